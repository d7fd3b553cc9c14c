"""100 blocks through one engine leave nothing behind: no worker process, no shared mapping, no
file descriptor, and no growth of the parent's or the workers' resident memory."""

import os
import threading
from pathlib import Path

from parevm.parallel import ParallelExecutor
from parevm.replay import replay
from parevm.workloads import generate_block

from .procs import descendants, status_kib

MIB = 1024


def _shared_mappings():
    """The core's region is an anonymous shared mapping: '/dev/zero (deleted)' in the maps."""
    return sum("/dev/zero" in line for line in Path("/proc/self/maps").read_text().splitlines())


class WorkerMemory:
    """The largest resident size any worker reached, sampled while the blocks run."""

    def __init__(self, executor):
        self.executor = executor
        self.peak = 0
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self):
        while self.running:
            for pid in list(self.executor.worker_pids):
                try:
                    self.peak = max(self.peak, status_kib("VmRSS", pid))
                except (OSError, LookupError):  # gone, or a zombie
                    pass
            threading.Event().wait(0.005)

    def take(self):
        peak, self.peak = self.peak, 0
        return peak

    def stop(self):
        self.running = False
        self.thread.join()


def test_a_hundred_blocks_in_one_engine_leak_nothing():
    block = generate_block("erc20-hot:4", 24)
    executor = ParallelExecutor(2, min_txs=0)
    reference = replay(block, executor)
    fds, mappings = len(os.listdir("/proc/self/fd")), _shared_mappings()
    # Processes this test process had before (say, the resource tracker multiprocessing starts
    # for a Dask cluster an earlier test ran here).
    others = descendants(os.getpid()).keys()
    workers = WorkerMemory(executor)
    for _ in range(10):  # warm-up: caches, the allocator's arenas
        replay(block, executor)
    parent_before, workers_before = status_kib("VmRSS"), workers.take()
    for _ in range(100):
        result = replay(block, executor)
        assert (result.receipts, result.state_root, result.state_diff) == (
            reference.receipts, reference.state_root, reference.state_diff)
        assert result.stats.parallel and not result.stats.retries
    parent_after, workers_after = status_kib("VmRSS"), workers.take()
    workers.stop()
    assert workers_before > 0 and workers_after > 0  # the sampler saw the workers run
    assert parent_after - parent_before < 16 * MIB, (parent_before, parent_after)
    assert workers_after - workers_before < 16 * MIB, (workers_before, workers_after)
    assert descendants(os.getpid()).keys() - others == set()
    assert len(os.listdir("/proc/self/fd")) <= fds and _shared_mappings() == mappings
