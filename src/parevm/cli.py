"""The `parevm` command line: replay block files, run consensus fixtures, generate workloads,
benchmark and analyze blocks."""

import argparse
import functools
import json
import logging
import os
import signal
import sys
import textwrap
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import cluster, crypto
from .analysis import BlockAnalysis, Limits, analyze_block
from .blockinput import BlockInput
from .bench import Measured, Target, bench_target, collect, steps
from .blockfile import load_block_file
from .conformance import FixtureOutcome, collect_entries, run_entries, run_file
from .errors import InputError, ParevmError
from .fixtures import find_fixture_files
from .jsonfile import write_atomic, write_json
from .modes import Mode, engine_for
from .progress import Progress
from .rpc import RpcClient
from .rpcsource import BlockSource
from .result import BlockResult
from .stats import key_json
from .table import render
from .workloads import WORKLOADS, generate, generate_block, workload_spec

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    # py-evm logs every rejected block as a warning; the reports here say what failed.
    logging.getLogger("eth").setLevel(logging.DEBUG if args.debug else logging.CRITICAL)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_BAD_INPUT
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return args.run(args)
    except ParevmError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"parevm: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (KeyboardInterrupt, Terminated) as stop:
        # Unwinding got here through every `finally`: the engine killed and reaped its workers
        # and unmapped the core; output files are written whole or not at all.
        received = signal.SIGTERM if isinstance(stop, Terminated) else signal.SIGINT
        print(f"parevm: interrupted by {received.name}; workers stopped, no output left half-written",
              file=sys.stderr)
        return 128 + received
    finally:
        signal.signal(signal.SIGTERM, previous)


class Terminated(BaseException):
    """SIGTERM, raised where the program is, so that it unwinds as from Ctrl-C."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


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
        "--workers", type=_positive,
        help="worker processes per block (default: the number of cores of the machine that "
        f"runs it, here {os.cpu_count() or 1})",
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

    on_cluster = argparse.ArgumentParser(add_help=False)
    on_cluster.add_argument(
        "--cluster", metavar="ADDRESS|local[:N]",
        help="run each block (conformance: each fixture file; bench: each block or workload "
        "with all its runs) as a task on a Dask cluster, "
        "each task on its host's engine with its own worker processes: the address of a "
        "running scheduler (tcp://HOST:8786), or local:N for N Dask worker processes started "
        "here for the run (local: as many as the cores hold). Every host must reach the files "
        "at the same absolute paths; results, table and JSON are a local run's, followed by "
        "blocks and transactions per second in all and per Dask worker (docs/cluster.md)",
    )

    node = argparse.ArgumentParser(add_help=False)
    rpc_options = node.add_argument_group("node (JSON-RPC; the debug API with the prestate tracer is needed)")
    rpc_options.add_argument("--rpc-timeout", type=float, default=60.0, metavar="S",
                             help="seconds to wait for one answer (default 60)")
    rpc_options.add_argument("--rpc-retries", type=int, default=3, metavar="N",
                             help="retries of a failed request, with doubling waits from 0.5 s (default 3)")
    rpc_options.add_argument("--rpc-batch", type=_positive, default=100, metavar="N",
                             help="calls per batched request (default 100)")

    replay_cmd = commands.add_parser(
        "replay",
        parents=[engine, node, on_cluster],
        help="replay block files, or blocks from a node, and check them against their headers",
        description="Replay block files (.json or .json.gz, see docs/block-file.md), or with "
        "--rpc blocks fetched from a node, and check gasUsed, logsBloom, receiptsRoot and "
        "stateRoot against the block's header. "
        "Exit status: 0 every applicable check holds, 1 a mismatch, 2 bad input.",
    )
    replay_cmd.add_argument(
        "files", nargs="+", metavar="FILE|BLOCK",
        help="block files; with --rpc, block numbers, 'latest' or ranges A..B (inclusive)",
    )
    replay_cmd.add_argument("--rpc", metavar="URL", help="fetch the blocks from this node (see `parevm fetch`)")
    replay_cmd.add_argument("--fork", help="run every block under this fork (overrides the file)")
    replay_cmd.add_argument("--json", action="store_true", help="print one JSON object per block")
    replay_cmd.add_argument(
        "--keys", action="store_true",
        help="with --json: each transaction's final read and write keys (parallel engine)",
    )
    replay_cmd.set_defaults(run=_replay)

    fetch_cmd = commands.add_parser(
        "fetch",
        parents=[common, node],
        help="write block files of blocks from a node",
        description="Fetch blocks from a node into block files (DIR/<number>.json.gz): the "
        "block with its transactions (eth_getBlockByNumber), the pre-state its transactions "
        "touch (debug_traceBlockByNumber with the prestate tracer, plain and diff mode), code "
        "and accounts the tracer leaves out (at the parent block), the ancestor hashes BLOCKHASH "
        "may read, and the fork. Each file is checked by loading it, and written whole or not "
        "at all. Exit status: 0 all written, 2 bad input or a node error.",
    )
    fetch_cmd.add_argument("--rpc", required=True, metavar="URL", help="the node's JSON-RPC address (http or https)")
    fetch_cmd.add_argument("blocks", nargs="+", metavar="BLOCK", help="block numbers, 'latest' or ranges A..B (inclusive)")
    fetch_cmd.add_argument("-o", "--output", default=".", metavar="DIR", help="directory to write into (default .)")
    fetch_cmd.add_argument("--fork", help="record this fork in the files (else the chain's schedule or the header's fields)")
    fetch_cmd.set_defaults(run=_fetch)

    conformance = commands.add_parser(
        "conformance",
        parents=[engine, on_cluster],
        help="run consensus-test fixtures (blockchain tests)",
        description="Import every blockchain-test fixture in the files and folders given: valid "
        "blocks must match the fixture's headers and post-state, invalid blocks must be rejected. "
        "Exit status: 0 all pass, 1 a failure, 2 bad input.",
    )
    conformance.add_argument("paths", nargs="+", metavar="PATH", help="fixture files or folders")
    conformance.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1,
        help="processes to spread the fixtures over, each running the engine (default: the "
        "number of cores; with --cluster, the cluster's workers take their place)",
    )
    conformance.add_argument("--json", action="store_true", help="print one JSON object per test")
    conformance.set_defaults(run=_conformance)

    generate_cmd = commands.add_parser(
        "generate",
        parents=[common],
        help="write a generated block file (a workload with its complete genesis)",
        description=_with_workloads(
            "Generate a workload's block, mined by py-evm's own chain on a genesis of exactly "
            "its pre-state, so the file holds independent expected values, state root included."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    generate_cmd.add_argument(
        "--workload", default="transfers", metavar="W[:K]", help="the workload (default transfers)"
    )
    generate_cmd.add_argument("--txs", type=_positive, default=100, help="transactions (default 100)")
    generate_cmd.add_argument("--seed", type=int, default=0, help="seed of keys and values (default 0)")
    generate_cmd.add_argument("-o", "--output", required=True, help="the block file to write (.json or .json.gz)")
    generate_cmd.set_defaults(run=_generate)

    bench_cmd = commands.add_parser(
        "bench",
        parents=[common, on_cluster],
        help="measure py-evm, parevm sequential and parallel on workloads or block files",
        description=_with_workloads(
            "For each workload or block: plain py-evm (apply_all_transactions), parevm "
            "sequential and the parallel engine at each worker count, run alternately, median "
            "of --repeat runs, every run checked (parallel results must equal sequential ones). "
            "Reports seconds (the whole replay: pre-state, system calls, transactions, roots; "
            "not the post-state diff, which plain py-evm does not compute), tx/s, gas/s, "
            "speedup against both sequential baselines, efficiency (speedup / workers), the "
            "transaction phase's own speedup, re-executions per transaction and the block's "
            "bound (total work / critical path of the transaction phase, see `parevm "
            "analyze`). Exit status: 0 all checks hold, 1 a check failed, 2 bad input."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    bench_cmd.add_argument(
        "--workload", action="append", metavar="W[:K]",
        help="a workload, repeatable (default: all of them, unless --corpus is given)",
    )
    bench_cmd.add_argument("--txs", type=_positive, default=1000, help="transactions per workload (default 1000)")
    bench_cmd.add_argument("--seed", type=int, default=0, help="seed of the workloads (default 0)")
    bench_cmd.add_argument("--corpus", metavar="DIR", help="also benchmark every block file in DIR, a row per block and a total")
    bench_cmd.add_argument(
        "--workers", type=_worker_list, default=sorted({1, os.cpu_count() or 1}), metavar="N,N,...",
        help="worker counts for the parallel engine (default: 1 and the number of cores)",
    )
    bench_cmd.add_argument("--repeat", type=_positive, default=3, help="runs per mode; the median counts (default 3)")
    bench_cmd.add_argument("--json", metavar="FILE", help='write {"machine": ..., "rows": [...]} to FILE')
    bench_cmd.add_argument("--markdown", metavar="FILE", help="write the table as Markdown to FILE")
    bench_cmd.add_argument("--plot", metavar="FILE.png", help="write a PNG: speedup against workers, and against each block's bound")
    bench_cmd.set_defaults(run=_bench)

    analyze_cmd = commands.add_parser(
        "analyze",
        parents=[common],
        help="a block's dependency graph, critical path, bound and contended keys",
        description="Run each block once through the engine (one worker) and build its "
        "dependency graph from the final read and write sets: transaction j depends on the "
        "last earlier transaction that wrote a key j read and changed its value (balance "
        "changes are commutative deltas and a sender's nonce is its transaction's, checked at "
        "commit; a key set back to the value its writer read, or credited 0, is no "
        "dependency, since validation compares values). "
        "Reports the critical path by gas and by measured execution time, the bound "
        "total work / critical path (no schedule of whole transactions can beat it; the engine "
        "can, where a read waits in place for a lower transaction), min(bound, workers), "
        "the ideal in-order schedule on --workers, the bound and schedule if every account "
        "access were a dependency (strict), and the most contended keys and accounts.",
    )
    analyze_cmd.add_argument("files", nargs="+", metavar="FILE", help="block files")
    analyze_cmd.add_argument(
        "--workers", type=_positive, default=os.cpu_count() or 1,
        help="workers for min(bound, workers) and the ideal schedule (default: the number of cores)",
    )
    analyze_cmd.add_argument("--json", action="store_true", help="print one JSON object per block (with the whole graph)")
    analyze_cmd.set_defaults(run=_analyze)
    return parser


def _with_workloads(description: str) -> str:
    """A command's description, wrapped, then the workloads and what their K means."""
    lines = [textwrap.fill(description, 88), "", "Workloads (W[:K], K the contention knob):"]
    for w in WORKLOADS.values():
        default = w.default_contention if w.default_contention is not None else "txs"
        lines += textwrap.wrap(
            f"{w.description} (K: {w.contention}, default {default})", 88,
            initial_indent=f"  {w.name:<14} ", subsequent_indent=" " * 17,
        )
    return "\n".join(lines)


def _worker_list(text: str) -> list[int]:
    try:
        counts = sorted({int(part) for part in text.split(",")})
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected worker counts like 1,2,4, got {text!r}") from None
    if not counts or counts[0] < 1:
        raise argparse.ArgumentTypeError(f"worker counts must be at least 1, got {text!r}")
    return counts


def _generate(args: argparse.Namespace) -> int:
    workload, contention = workload_spec(args.workload)
    _check_output("--output", args.output)
    write_json(args.output, generate(workload.name, args.txs, contention, args.seed))
    print(f"wrote {args.output}: {args.txs} transactions of {args.workload}")
    return EXIT_OK


def _check_output(option: str, path: str | None, suffix: str | None = None) -> None:
    """Fail before the work, not after it, on an output that cannot be written."""
    if path is None:
        return
    parent = Path(path).resolve().parent
    if not parent.is_dir():
        raise InputError(option, f"directory {parent} does not exist")
    if suffix and not path.endswith(suffix):
        raise InputError(option, f"expected a {suffix} file name, got {path}")


def _corpus_files(directory: str) -> list[Path]:
    root = Path(os.path.abspath(directory))  # the same path on every host of a cluster
    if not root.is_dir():
        raise InputError("--corpus", f"{directory} is not a directory")
    files = [p for p in root.iterdir() if p.name.endswith((".json", ".json.gz"))]
    if not files:
        raise InputError("--corpus", f"no block files (.json, .json.gz) in {directory}")
    return sorted(files, key=_block_order)


def _block_order(path: Path) -> tuple[int, str]:
    """Files named by block number in numeric order, before any others."""
    stem = _stem(path)
    return (int(stem), "") if stem.isdigit() else (1 << 64, stem)


def _stem(path: Path) -> str:
    return path.name.removesuffix(".gz").removesuffix(".json")


def _bench_targets(args: argparse.Namespace) -> list[Target]:
    specs = args.workload or ([] if args.corpus else list(WORKLOADS))
    targets = []
    for text in specs:
        workload_spec(text)  # a bad spec fails before any work
        targets.append(Target(text, "workload", functools.partial(generate_block, text, args.txs, args.seed)))
    for path in _corpus_files(args.corpus) if args.corpus else []:
        targets.append(Target(_stem(path), "block", functools.partial(load_block_file, path)))
    return targets


def _bench(args: argparse.Namespace) -> int:
    from .benchreport import LEGEND, machine, markdown, table, to_json

    _check_output("--json", args.json)
    _check_output("--markdown", args.markdown)
    _check_output("--plot", args.plot, ".png")
    if args.plot:
        from .benchplot import require

        require()
    targets = _bench_targets(args)
    info = machine(args.repeat)
    measure = functools.partial(bench_target, args.workers, args.repeat)
    throughput = None
    if args.cluster:
        progress = Progress(len(targets), "bench")
        measured, throughput = cluster.run(
            args.cluster, max(args.workers), measure, targets, _bench_counts, progress=progress,
            note=lambda m: m[0][0].name if m[0] else "",
        )
    else:
        progress = Progress(steps(len(targets), args.workers, args.repeat), "bench")
        measured = [measure(target, progress) for target in targets]
    progress.close()
    rows, errors = collect(measured)
    for error in errors:
        print(f"parevm: error: {error}", file=sys.stderr)
    if not rows:
        return EXIT_BAD_INPUT
    print(table(rows))
    print(f"\nmedian of {args.repeat}; {LEGEND}")
    _print_throughput(throughput)
    if args.json:
        write_json(args.json, to_json(rows, info) | ({"throughput": throughput.to_json()} if throughput else {}))
    if args.markdown:
        write_atomic(args.markdown, markdown(rows, info).encode())
    if args.plot:
        from .benchplot import plot

        write_atomic(args.plot, plot(rows, info))
    written = [f for f in (args.json, args.markdown, args.plot) if f]
    if written:
        print("wrote " + ", ".join(written))
    failed = [r for r in rows if not r.checks_ok]
    for row in failed:
        print(f"FAILED {row.name} ({row.mode}, {row.workers} workers): a check failed or the result differs from sequential")
    return EXIT_FAILED if failed else EXIT_BAD_INPUT if errors else EXIT_OK


def _analyze(args: argparse.Namespace) -> int:
    blocks = [load_block_file(path) for path in args.files]
    progress = None if args.json or len(blocks) < 2 else Progress(len(blocks), "analyze")
    analyses = []
    for block in blocks:
        analysis = analyze_block(block)
        analyses.append(analysis)
        if args.json:
            print(json.dumps(analysis.to_json(args.workers)), flush=True)
        if progress:
            progress.advance(f"block {block.number}")
    if progress:
        progress.close()
    if not args.json:
        _print_analyses(analyses, args.workers)
    return EXIT_OK if all(a.result.ok for a in analyses) else EXIT_FAILED


def _print_analyses(analyses: list[BlockAnalysis], workers: int) -> None:
    rows = [
        [a.name, a.transactions, a.graph.dependent, a.graph.edges, len(a.by_gas.txs),
         round(a.by_time.weight * 1000, 1), round(sum(a.seconds) * 1000, 1), round(a.bound_gas, 2),
         round(a.bound, 2), round(min(a.bound, workers), 2), round(a.scheduled(workers), 2),
         round(a.strict_bound, 2), round(a.strict_scheduled(workers), 2),
         _hottest(a), "ok" if a.result.ok else "FAILED"]
        for a in analyses
    ]
    print(render(
        ["block", "txs", "dependent", "edges", "path txs (gas)", "path ms", "work ms", "bound gas",
         "bound", f"min(b,{workers})", f"sched@{workers}", "strict bound", f"strict sched@{workers}",
         "most contended", "checks"],
        rows,
    ))
    total = Limits.total([a.limits([workers]) for a in analyses])
    strict = Limits.total([a.limits([workers], strict=True) for a in analyses])
    if len(analyses) > 1 and total.path:
        print(
            f"\n{len(analyses)} blocks: total work {total.work:.2f} s, "
            f"sum of critical paths {total.path:.2f} s, bound {total.bound:.2f}, "
            f"sched@{workers} {total.scheduled(workers):.2f}; every account access a dependency: "
            f"bound {strict.bound:.2f}, sched@{workers} {strict.scheduled(workers):.2f}"
        )
    for a in analyses:
        keys = "; ".join(f"{' '.join(str(p) for p in key_json(key) if p is not None)} ({n} txs)" for key, n in a.hot_keys(3))
        if keys:
            print(f"block {a.name} hottest keys: {keys}")


def _hottest(analysis: BlockAnalysis) -> str:
    hot = analysis.hot_accounts(1)
    if not hot:
        return "-"
    address, count = hot[0]
    kind = "contract" if address in analysis.contracts else "account"
    return f"0x{address.hex()[:10]}.. {kind} ({count} txs)"


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


@dataclass(frozen=True)
class Node:
    """A node and how to call it: small, so that a cluster task can carry it to its worker.
    `run` is the command's own, so that a long-lived Dask worker starts afresh for each run
    (its source caches ancestor hashes, which a reorg near the head changes)."""

    url: str
    timeout: float
    retries: int
    batch: int
    run: str


def _node(args: argparse.Namespace) -> Node:
    if args.rpc_retries < 0 or args.rpc_timeout <= 0:
        raise InputError("options", "--rpc-retries must be at least 0 and --rpc-timeout above 0")
    return Node(args.rpc, args.rpc_timeout, args.rpc_retries, args.rpc_batch, uuid.uuid4().hex)


@functools.lru_cache(maxsize=2)
def _block_source(node: Node) -> BlockSource:
    """One source per run and process (a Dask worker keeps its session and chain id for the
    run's blocks)."""
    return BlockSource(RpcClient(node.url, node.timeout, node.retries, batch_size=node.batch))


def _node_block(node: Node, number: int, fork: str | None) -> BlockInput:
    """Block `number` from the node, fetched where it is called (on a cluster, by the task)."""
    return _block_source(node).block_input(number, fork)


def _fetch(args: argparse.Namespace) -> int:
    if not Path(args.output).is_dir():
        raise InputError("--output", f"{args.output} is not a directory")
    source = _block_source(_node(args))
    numbers = source.block_numbers(args.blocks)
    progress = Progress(len(numbers), "fetch")
    for number in numbers:
        path = Path(args.output) / f"{number}.json.gz"
        block = source.block_json(number, args.fork)
        write_json(path, block)
        progress.advance(f"block {number}: {len(block['block']['transactions'])} txs")
    progress.close()
    print(f"wrote {len(numbers)} block files to {args.output}")
    return EXIT_OK


def _block_loads(args: argparse.Namespace) -> list[Callable[[], BlockInput]]:
    """Each block as the call that loads it, where it runs: from its file (on a cluster by its
    absolute path), or with --rpc from the node (the numbers are resolved here, once)."""
    if not args.rpc:
        paths = [os.path.abspath(path) if args.cluster else path for path in args.files]
        return [functools.partial(load_block_file, path, args.fork) for path in paths]
    node = _node(args)
    numbers = _block_source(node).block_numbers(args.files)
    return [functools.partial(_node_block, node, number, args.fork) for number in numbers]


def _replay(args: argparse.Namespace) -> int:
    mode = _mode(args, keys=args.keys)
    loads = _block_loads(args)
    progress = None if args.json or len(loads) < 2 else Progress(len(loads), "replay")

    def on_result(result: BlockResult) -> None:
        if args.json:
            print(json.dumps(result.to_json(keys=args.keys)), flush=True)

    def note(result: BlockResult) -> str:
        return f"block {result.number}"

    throughput = None
    if args.cluster:
        results, throughput = cluster.run(
            args.cluster, _processes(mode), functools.partial(cluster.replay_block, mode), loads,
            lambda r: (1, r.transactions), on_result, progress, note,
        )
    else:
        engine = engine_for(mode)
        # Files are all read first, so that bad input fails before any work; a node's blocks
        # are fetched one at a time.
        blocks: Iterable[BlockInput] = (load() for load in loads) if args.rpc else [load() for load in loads]
        results = []
        for block in blocks:
            results.append(engine.execute(block))
            on_result(results[-1])
            if progress:
                progress.advance(note(results[-1]))
    if progress:
        progress.close()
    if not args.json:
        _print_replay(results, mode.name)
    _print_throughput(throughput, args.json)
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def _print_replay(results: list[BlockResult], mode: str) -> None:
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
        f"({txs / seconds if seconds else 0:.0f} tx/s, {mode}, "
        f"keccak {crypto.backends_in_use()['keccak'].split('.')[-1]})"
    )
    stats = [r.stats for r in results if r.stats is not None]
    if stats:
        _print_fallbacks(sum(s.parallel for s in stats), Counter(s.fallback for s in stats if not s.parallel))
    for r in results:
        for name, check in r.checks.items():
            if check.ok is False:
                print(f"MISMATCH block {r.number} {name}: expected {check.expected!r}, got {check.actual!r}")


def _conformance(args: argparse.Namespace) -> int:
    mode = _mode(args)
    files = find_fixture_files(args.paths)

    def print_json(outcomes: Iterable[FixtureOutcome]) -> None:
        if args.json:
            for outcome in outcomes:
                print(json.dumps(outcome.to_json()), flush=True)

    def tested(outcome: FixtureOutcome) -> None:
        print_json([outcome])
        if progress:
            progress.advance(outcome.network)

    throughput = None
    if args.cluster:
        # A task per file: the bar counts files, and the outcomes come in the files' order.
        progress = None if args.json else Progress(len(files), "files")
        per_file, throughput = cluster.run(
            args.cluster, _processes(mode), functools.partial(run_file, mode),
            [os.path.abspath(path) for path in files],
            lambda outcomes: (sum(o.blocks for o in outcomes), sum(o.transactions for o in outcomes)),
            print_json, progress, lambda outcomes: outcomes[0].network if outcomes else "",
        )
        outcomes = [outcome for file_outcomes in per_file for outcome in file_outcomes]
    else:
        entries = collect_entries(files, mode)
        progress = None if args.json else Progress(len(entries), "tests")
        outcomes = run_entries(entries, max(1, args.jobs), tested)
    if progress:
        progress.close()
    failed = [o for o in outcomes if not o.passed]
    if not args.json:
        _print_conformance(outcomes, failed, mode)
    _print_throughput(throughput, args.json)
    return EXIT_OK if not failed else EXIT_FAILED


def _print_conformance(outcomes: list[FixtureOutcome], failed: list[FixtureOutcome], mode: Mode) -> None:
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


def _processes(mode: Mode) -> int:
    """The processes one task of `mode` keeps busy (to size a local cluster)."""
    return (mode.workers or os.cpu_count() or 1) if mode.name == "parallel" else 1


def _bench_counts(measured: Measured) -> tuple[int, int]:
    rows, _ = measured
    return (1, rows[0].txs) if rows else (0, 0)


def _print_throughput(throughput: cluster.Throughput | None, as_json: bool = False) -> None:
    """A cluster run's throughput after its report (with --json, a last line of its own)."""
    if throughput is None:
        return
    if as_json:
        print(json.dumps({"throughput": throughput.to_json()}), flush=True)
    else:
        print("\n" + throughput.report())
