"""Replay block files through parevm's parallel engine and check them against their headers.

    python examples/replay_file.py BLOCK_FILE... [--workers N]

Exit status 0 when every check that applies holds (gasUsed, logsBloom, receiptsRoot, and the
state root where the file's pre-state is complete), 1 otherwise.
"""

import argparse

from parevm import Engine, load_block_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", help="block files (parevm's format, .json or .json.gz)")
    parser.add_argument("--workers", type=int, help="worker processes per block (default: the cores)")
    args = parser.parse_args(argv)
    all_ok = True
    with Engine(args.workers) as engine:
        for path in args.files:
            result = engine.execute(load_block_file(path))
            checks = ", ".join(
                f"{name} {'ok' if check.ok else 'n/a' if check.ok is None else 'MISMATCH'}"
                for name, check in result.checks.items()
            )
            reexecutions = result.stats.reexecutions if result.stats else 0
            print(
                f"block {result.number} ({result.fork}): {result.transactions} txs, gas {result.gas_used}, "
                f"{result.seconds:.2f} s {result.mode}, {reexecutions} re-executions, "
                f"{len(result.state_diff)} accounts changed; {checks}"
            )
            all_ok = all_ok and result.ok
    return 0 if all_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
