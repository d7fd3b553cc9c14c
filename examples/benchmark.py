"""Time a generated block sequentially and in parallel, in one run, and print the speed-up.

    python examples/benchmark.py [--workload erc20] [--txs 1000] [--workers 2] [--repeat 3]

Absolute times drift on a shared machine; the ratio of medians taken in the same run is the
figure to compare. Both modes must produce the same receipts, state root and post-state diff.
"""

import argparse
import statistics

from parevm import BlockResult, Engine, generate_block


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", default="erc20", help="NAME or NAME:K (see `parevm generate --help`)")
    parser.add_argument("--txs", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    block = generate_block(args.workload, args.txs)
    engines = {
        "sequential": Engine(mode="sequential"),
        f"parallel x{args.workers}": Engine(args.workers, min_txs=0),
    }
    for engine in engines.values():  # warm-up, untimed (the engine loads the KZG setup once)
        engine.execute(block)
    runs: dict[str, list[BlockResult]] = {name: [] for name in engines}
    for _ in range(args.repeat):  # interleaved, so that drift hits both modes alike
        for name, engine in engines.items():
            runs[name].append(engine.execute(block))

    (sequential, reference), (parallel, results) = runs.items()
    same = all(
        (r.receipts, r.state_root, r.state_diff) == (reference[0].receipts, reference[0].state_root, reference[0].state_diff)
        for r in results
    )
    base = statistics.median(r.seconds for r in reference)
    fast = statistics.median(r.seconds for r in results)
    reexecutions = statistics.median(r.stats.reexecutions for r in results if r.stats)
    print(f"{args.workload}, {args.txs} txs, median of {args.repeat}:")
    print(f"  {sequential}: {base:.3f} s")
    print(f"  {parallel}: {fast:.3f} s, {reexecutions:.0f} re-executions")
    print(f"  speed-up {base / fast:.2f}x; same result: {'yes' if same else 'NO'}")
    return 0 if same and all(r.ok for r in reference + results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
