"""parevm's sequential replay against plain py-evm's apply_all_transactions, in one run.

Each block is loaded once, then replayed alternately by both executors on identical
preparation (pre-state built into an in-memory trie, same VM, same crypto backends); the
median of --repeat runs counts. Usage:

    python benchmarks/sequential_vs_pyevm.py [--repeat 3] [--json FILE] [BLOCK_FILE ...]
"""

import argparse
import json
import platform
import statistics
import sys
from pathlib import Path

import parevm
from parevm.crypto import backends_in_use
from parevm.table import render

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "mainnet"


def measure(paths: list[Path], repeat: int) -> list[dict]:
    rows = []
    for index, path in enumerate(paths, 1):
        block = parevm.load_block_file(path)
        times: dict[str, list[float]] = {"sequential": [], "py-evm": []}
        executors = [parevm.SequentialExecutor(), parevm.PyEvmExecutor()]
        for run in range(repeat):
            for executor in executors if run % 2 == 0 else executors[::-1]:
                result = parevm.replay(block, executor)
                assert result.ok, f"{path}: {result.check_json()}"
                times[executor.mode].append(result.seconds)
        rows.append(
            {
                "block": block.number,
                "fork": block.fork,
                "txs": len(block.transactions),
                "gas": result.gas_used,
                "sequential_s": statistics.median(times["sequential"]),
                "pyevm_s": statistics.median(times["py-evm"]),
            }
        )
        print(f"[{index}/{len(paths)}] block {block.number}", file=sys.stderr, flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    paths = args.files or sorted(DEFAULT_CORPUS.glob("*.json.gz"), key=lambda p: int(p.name.split(".")[0]))
    rows = measure(paths, args.repeat)
    txs = sum(r["txs"] for r in rows)
    seq = sum(r["sequential_s"] for r in rows)
    pyevm = sum(r["pyevm_s"] for r in rows)
    print(render(
        ["block", "fork", "txs", "sequential s", "py-evm s", "ratio"],
        [[r["block"], r["fork"], r["txs"], r["sequential_s"], r["pyevm_s"], r["pyevm_s"] / r["sequential_s"]] for r in rows],
    ))
    print(
        f"\n{len(rows)} blocks, {txs} txs: parevm sequential {seq:.2f} s ({txs / seq:.0f} tx/s), "
        f"py-evm {pyevm:.2f} s ({txs / pyevm:.0f} tx/s); py-evm/parevm time ratio {pyevm / seq:.3f}"
    )
    if args.json:
        machine = {"python": platform.python_version(), "machine": platform.machine(), **backends_in_use()}
        args.json.write_text(json.dumps({"machine": machine, "repeat": args.repeat, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
