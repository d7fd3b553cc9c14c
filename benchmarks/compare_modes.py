"""Time block replays in several modes, alternating, in one run (ratios are what count here:
the machine is shared, absolute times drift).

    python benchmarks/compare_modes.py [--modes py-evm,sequential,parallel:1,parallel:2]
        [--repeat 3] [--force-parallel] [--json FILE] [BLOCK_FILE ...]

Each block is loaded once; per repeat the modes run in rotated order; the median counts. Every
replay must pass its checks, and parallel results must equal the sequential ones.
"""

import argparse
import json
import platform
import statistics
import sys
from pathlib import Path

import parevm
from parevm.crypto import backends_in_use
from parevm.parallel import ParallelExecutor
from parevm.table import render

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "mainnet"


def executor(mode: str, force: bool):
    if mode == "py-evm":
        return parevm.PyEvmExecutor()
    if mode == "sequential":
        return parevm.SequentialExecutor()
    name, _, workers = mode.partition(":")
    if name != "parallel" or not workers.isdigit():
        raise SystemExit(f"unknown mode {mode!r}: py-evm, sequential or parallel:N")
    return ParallelExecutor(int(workers), force=force)


def measure(paths: list[Path], modes: list[str], repeat: int, force: bool) -> list[dict]:
    executors = {mode: executor(mode, force) for mode in modes}
    rows = []
    for index, path in enumerate(paths, 1):
        block = parevm.load_block_file(path)
        seconds: dict[str, list[float]] = {mode: [] for mode in modes}
        reexecutions: dict[str, int] = {}
        reference = None
        for run in range(repeat):
            order = modes[run % len(modes):] + modes[: run % len(modes)]
            for mode in order:
                result = parevm.replay(block, executors[mode])
                if not result.ok:
                    raise SystemExit(f"{path} ({mode}): {result.check_json()}")
                if mode != "py-evm":
                    if reference is None:
                        reference = result
                    elif (result.receipts, result.state_diff) != (reference.receipts, reference.state_diff):
                        raise SystemExit(f"{path}: {mode} differs from {reference.mode}")
                seconds[mode].append(result.seconds)
                if result.stats is not None:
                    reexecutions[mode] = result.stats.reexecutions
        rows.append({
            "name": str(block.number) if path.parent == DEFAULT_CORPUS else path.name,
            "fork": block.fork,
            "txs": len(block.transactions),
            "gas": result.gas_used,
            "seconds": {mode: statistics.median(values) for mode, values in seconds.items()},
            "reexecutions": reexecutions,
        })
        print(f"[{index}/{len(paths)}] {path.name}", file=sys.stderr, flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--modes", default="py-evm,sequential,parallel:1,parallel:2")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--force-parallel", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    modes = args.modes.split(",")
    paths = args.files or sorted(DEFAULT_CORPUS.glob("*.json.gz"), key=lambda p: int(p.name.split(".")[0]))
    rows = measure(paths, modes, args.repeat, args.force_parallel)
    base = "sequential" if "sequential" in modes else modes[0]
    table = [
        [r["name"], r["fork"], r["txs"]]
        + [r["seconds"][m] for m in modes]
        + [r["seconds"][base] / r["seconds"][m] for m in modes if m != base]
        + [r["reexecutions"].get(m, "-") for m in modes if m.startswith("parallel")]
        for r in rows
    ]
    headers = (["block", "fork", "txs"] + [f"{m} s" for m in modes]
               + [f"{base}/{m}" for m in modes if m != base]
               + [f"reexec {m}" for m in modes if m.startswith("parallel")])
    print(render(headers, table))
    txs = sum(r["txs"] for r in rows)
    totals = {m: sum(r["seconds"][m] for r in rows) for m in modes}
    reexec = {m: sum(r["reexecutions"].get(m, 0) for r in rows) for m in modes if m.startswith("parallel")}
    print(f"\n{len(rows)} blocks, {txs} transactions, median of {args.repeat}:")
    for m in modes:
        line = f"  {m:>12}: {totals[m]:8.2f} s  {txs / totals[m]:7.0f} tx/s  {base}/{m} = {totals[base] / totals[m]:.3f}"
        if m in reexec:
            line += f"  re-executions {reexec[m]}"
        print(line)
    if args.json:
        machine = {"python": platform.python_version(), "machine": platform.machine(), **backends_in_use()}
        args.json.write_text(json.dumps({"machine": machine, "repeat": args.repeat, "rows": rows, "totals": totals}, indent=1))


if __name__ == "__main__":
    main()
