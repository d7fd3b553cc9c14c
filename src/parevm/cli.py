"""The `parevm` command line: replay block files, run consensus fixtures."""

import argparse
import json
import logging
import os
import sys
import traceback
from collections import Counter
from collections.abc import Sequence

from . import crypto
from .blockfile import load_block_file
from .conformance import FixtureOutcome, collect_entries, run_entries
from .errors import InputError, ParevmError
from .fixtures import find_fixture_files
from .jsonfile import write_json
from .modes import Mode, executor_for
from .progress import Progress
from .replay import replay
from .result import BlockResult
from .table import render
from .workloads import transfers

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    # py-evm logs every rejected block as a warning; the reports here say what failed.
    logging.getLogger("eth").setLevel(logging.DEBUG if args.debug else logging.CRITICAL)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return args.run(args)
    except ParevmError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"parevm: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parevm",
        description="Optimistic parallel EVM execution on py-evm: replay blocks and check "
        "them against the chain, run consensus tests.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    # Every command also takes --debug after its name; SUPPRESS keeps it from resetting the
    # top-level flag.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    engine = argparse.ArgumentParser(add_help=False, parents=[common])
    options = engine.add_argument_group("engine (default: the parallel engine)")
    options.add_argument(
        "--workers", type=_positive, default=os.cpu_count() or 1,
        help="worker processes per block (default: the number of cores, here %(default)s)",
    )
    options.add_argument("--sequential", action="store_true", help="the sequential reference executor")
    options.add_argument(
        "--pyevm", action="store_true",
        help="plain py-evm's own apply_all_transactions, for comparison (no state diff)",
    )
    options.add_argument(
        "--force-parallel", action="store_true",
        help="run every block in parallel, even one too small to gain (tests the engine on it)",
    )

    replay_cmd = commands.add_parser(
        "replay",
        parents=[engine],
        help="replay block files and check them against their headers",
        description="Replay block files (.json or .json.gz, see docs/block-file.md) and check "
        "gasUsed, logsBloom, receiptsRoot and stateRoot against the block's header. "
        "Exit status: 0 every applicable check holds, 1 a mismatch, 2 bad input.",
    )
    replay_cmd.add_argument("files", nargs="+", metavar="FILE", help="block files")
    replay_cmd.add_argument("--fork", help="run every block under this fork (overrides the file)")
    replay_cmd.add_argument("--json", action="store_true", help="print one JSON object per block")
    replay_cmd.add_argument(
        "--keys", action="store_true",
        help="with --json: each transaction's final read and write keys (parallel engine)",
    )
    replay_cmd.set_defaults(run=_replay)

    conformance = commands.add_parser(
        "conformance",
        parents=[engine],
        help="run consensus-test fixtures (blockchain tests)",
        description="Import every blockchain-test fixture in the files and folders given: valid "
        "blocks must match the fixture's headers and post-state, invalid blocks must be rejected. "
        "Exit status: 0 all pass, 1 a failure, 2 bad input.",
    )
    conformance.add_argument("paths", nargs="+", metavar="PATH", help="fixture files or folders")
    conformance.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1,
        help="processes to spread the fixtures over, each running the engine (default: the number of cores)",
    )
    conformance.add_argument("--json", action="store_true", help="print one JSON object per test")
    conformance.set_defaults(run=_conformance)

    generate = commands.add_parser(
        "generate",
        parents=[common],
        help="write a generated block file (a workload with its complete genesis)",
        description="Generate a block of plain transfers, each from its own sender to its own "
        "recipient, mined by py-evm's own chain so its header holds independent expected values.",
    )
    generate.add_argument("--txs", type=int, default=100, help="transactions (default 100)")
    generate.add_argument("--seed", type=int, default=0, help="seed of keys and values (default 0)")
    generate.add_argument("-o", "--output", required=True, help="the block file to write (.json or .json.gz)")
    generate.set_defaults(run=_generate)
    return parser


def _generate(args: argparse.Namespace) -> int:
    if args.txs < 1:
        raise InputError("--txs", f"must be at least 1, got {args.txs}")
    write_json(args.output, transfers(args.txs, seed=args.seed))
    print(f"wrote {args.output}: {args.txs} transfers")
    return EXIT_OK


def _mode_cell(result: BlockResult) -> str:
    if result.stats is None:
        return result.mode
    return f"parallel x{result.stats.workers}" if result.stats.parallel else "fallback"


def _print_fallbacks(parallel: int, reasons: Counter) -> None:
    """How many blocks ran in parallel, and why the others did not."""
    print(f"blocks: {parallel} in parallel, {sum(reasons.values())} sequential")
    for reason, count in reasons.most_common():
        print(f"  {count} x {reason}")


def _check_cell(result: BlockResult, name: str) -> str:
    ok = result.checks[name].ok
    return "n/a" if ok is None else "ok" if ok else "MISMATCH"


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _mode(args: argparse.Namespace, keys: bool = False) -> Mode:
    if args.sequential and args.pyevm:
        raise InputError("options", "--sequential and --pyevm exclude each other")
    name = "sequential" if args.sequential else "py-evm" if args.pyevm else "parallel"
    return Mode(name, args.workers, args.force_parallel, keys)


def _replay(args: argparse.Namespace) -> int:
    executor = executor_for(_mode(args, keys=args.keys))
    blocks = [load_block_file(path, args.fork) for path in args.files]
    results = []
    progress = None if args.json or len(blocks) < 2 else Progress(len(blocks), "replay")
    for block in blocks:
        result = replay(block, executor)
        results.append(result)
        if args.json:
            print(json.dumps(result.to_json(keys=args.keys)), flush=True)
        if progress:
            progress.advance(f"block {result.number}")
    if progress:
        progress.close()
    if not args.json:
        names = ("gas_used", "logs_bloom", "receipts_root", "state_root")
        rows = [
            [r.number, r.fork, r.transactions, r.gas_used, round(r.seconds, 3), _mode_cell(r),
             r.stats.reexecutions if r.stats else "-"]
            + [_check_cell(r, name) for name in names]
            for r in results
        ]
        print(render(["block", "fork", "txs", "gas", "seconds", "mode", "reexec", *names], rows))
        txs = sum(r.transactions for r in results)
        seconds = sum(r.seconds for r in results)
        print(
            f"\n{len(results)} blocks, {txs} transactions in {seconds:.2f} s "
            f"({txs / seconds if seconds else 0:.0f} tx/s, {executor.mode}, "
            f"keccak {crypto.backends_in_use()['keccak'].split('.')[-1]})"
        )
        stats = [r.stats for r in results if r.stats is not None]
        if stats:
            _print_fallbacks(sum(s.parallel for s in stats), Counter(s.fallback for s in stats if not s.parallel))
        for r in results:
            for name, check in r.checks.items():
                if check.ok is False:
                    print(f"MISMATCH block {r.number} {name}: expected {check.expected!r}, got {check.actual!r}")
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def _conformance(args: argparse.Namespace) -> int:
    mode = _mode(args)
    entries = collect_entries(find_fixture_files(args.paths), mode)
    progress = None if args.json else Progress(len(entries), "tests")

    def on_outcome(outcome: FixtureOutcome) -> None:
        if args.json:
            print(json.dumps(outcome.to_json()), flush=True)
        else:
            progress.advance(outcome.network)

    outcomes = run_entries(entries, max(1, args.jobs), on_outcome)
    if progress:
        progress.close()
    failed = [o for o in outcomes if not o.passed]
    if not args.json:
        by_network = Counter(o.network for o in outcomes)
        failed_by_network = Counter(o.network for o in failed)
        rows = [
            [network, count - failed_by_network[network], failed_by_network[network]]
            for network, count in sorted(by_network.items())
        ]
        print(render(["network", "passed", "failed"], rows))
        for outcome in failed:
            lines = outcome.message.splitlines() or [""]
            summary = lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"
            print(f"FAILED {outcome.source} :: {outcome.name}\n    {summary[:500]}")
        if mode.name == "parallel":
            _print_fallbacks(
                sum(o.parallel_blocks for o in outcomes),
                Counter(reason for o in outcomes for reason in o.fallbacks),
            )
        print(f"\n{len(outcomes) - len(failed)} passed, {len(failed)} failed ({mode.name})")
    return EXIT_OK if not failed else EXIT_FAILED
