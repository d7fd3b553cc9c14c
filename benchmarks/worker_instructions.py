"""Instructions per block of the sequential transaction phase and of one worker's loop, counted
by valgrind: a measure of the engine's own per-transaction work that the shared machine's noise
cannot blur (its timings of the same run drift by 20% and more).

    python benchmarks/worker_instructions.py [--cache] BLOCK_FILE

Each mode runs in its own process under `valgrind --tool=cachegrind`, once with 1 replay of the
block and once with 3; the difference over 2 is one warm replay, free of imports and loading
(and of sender recovery: the first replay's senders stay cached on the transactions in both
modes, so the counts compare the engine's own work).
The worker runs here, in this process (no fork, no parent beside it), its outcomes pickled as
the pipe would carry them, in batches of the worker's full size (the batches' age limit would
count valgrind's slowness); the sequential side is SequentialExecutor.execute. Both stop after
the transaction phase.

With --cache, cachegrind also simulates the caches, its last level set to the size of one core's
L2 here: misses of the first-level caches and of L2, for code and for data.
"""

import argparse
import gc
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

_REPLAYS = (1, 3)


class _Stop(Exception):
    """Ends a replay after the transaction phase."""


def _run_mode(path: str, mode: str, replays: int) -> None:
    from parevm import worker
    from parevm.blockfile import load_block_file
    from parevm.frames import frame
    from parevm.parallel import ParallelExecutor
    from parevm.replay import replay
    from parevm.sequential import SequentialExecutor

    class Pickled:
        def send(self, message: Any) -> None:
            frame(message)

        def push(self) -> None:
            pass

        def close(self) -> None:
            pass

    class OneWorkerHere(ParallelExecutor):
        def _run(self, core, vm, reads, transactions, beside, stats):  # type: ignore[no-untyped-def]
            worker.Worker(core, vm, reads, worker.parallel_state_class(type(vm).fork_state_class), transactions, Pickled()).run()
            raise _Stop

    class SequentialPhase(SequentialExecutor):
        def execute(self, *args):  # type: ignore[no-untyped-def]
            super().execute(*args)
            raise _Stop

    worker._BATCH_SECONDS = float("inf")
    block = load_block_file(path)
    executor = OneWorkerHere(1, min_txs=0) if mode == "worker" else SequentialPhase()
    for _ in range(replays):
        gc.collect()
        try:
            replay(block, executor)
        except _Stop:
            pass


# valgrind's summary lines, by the name each count is reported under.
_COUNTS = {
    "instructions": r"I\s+refs",
    "I1 misses": r"I1\s+misses",
    "L2 misses, code": r"LLi\s+misses",
    "D1 misses": r"D1\s+misses",
    "L2 misses, data": r"LLd\s+misses",
}
# --cache: cachegrind's last level set to one core's L2 here (512 KiB, 8-way; AMD EPYC), so
# that a miss it counts is one that goes out to the shared L3 or memory.
_L2 = "--LL=524288,8,64"


def _counts(path: str, mode: str, replays: int, cache: bool) -> dict[str, int]:
    simulation = ["--cache-sim=yes", _L2] if cache else ["--cache-sim=no"]
    command = [
        "valgrind", "--tool=cachegrind", *simulation, "--cachegrind-out-file=/dev/null",
        sys.executable, __file__, "--run", mode, str(replays), path,
    ]
    # A fixed hash seed (unless one is set): with it the counts repeat exactly, so that two
    # versions of the code compare to the instruction; with a random one they vary by 0.5%.
    environment = {"PYTHONHASHSEED": "0", **os.environ}
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=environment)
    counts = {}
    wanted = _COUNTS if cache else {"instructions": _COUNTS["instructions"]}
    for name, pattern in wanted.items():
        found = re.search(pattern + r":\s+([\d,]+)", done.stderr)
        if found is None:
            tail = done.stderr[-2000:]
            raise SystemExit(f"worker_instructions: no {name} count from valgrind:\n{tail}")
        counts[name] = int(found.group(1).replace(",", ""))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("block", help="a block file (parevm generate writes one)")
    parser.add_argument(
        "--cache", action="store_true",
        help="simulate the caches too (slower): first-level and L2 misses, code and data, a replay",
    )
    parser.add_argument("--run", nargs=2, metavar=("MODE", "REPLAYS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        _run_mode(args.block, args.run[0], int(args.run[1]))
        return
    jobs = [(mode, replays) for mode in ("sequential", "worker") for replays in _REPLAYS]
    with ThreadPoolExecutor(2) as pool:
        counts = dict(zip(jobs, pool.map(lambda job: _counts(args.block, *job, args.cache), jobs)))
    few, many = _REPLAYS
    for name in counts["sequential", few]:
        per = {
            mode: (counts[mode, many][name] - counts[mode, few][name]) / (many - few)
            for mode in ("sequential", "worker")
        }
        print(
            f"{args.block}: {name} per replay: sequential {per['sequential'] / 1e6:,.2f}M, "
            f"one worker {per['worker'] / 1e6:,.2f}M ({per['worker'] / per['sequential']:.3f}x)"
        )


if __name__ == "__main__":
    main()
