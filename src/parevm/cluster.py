"""Blocks and fixture files as tasks on a Dask cluster (`--cluster ADDRESS|local[:N]`).

Each task runs where Dask puts it: it loads its block from a path its host can reach (or
fetches it from the node) and runs it on that process's engine, which forks its own worker
processes. Dask's worker processes are daemonic; that forbids multiprocessing children, but
not os.fork, which is how the engine makes its workers (docs/cluster.md). Results come back
as the objects a local run makes and are handed on in the order the tasks were given, each
exactly once, so that the same report code serves both.
"""

import logging
import os
import signal
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .blockinput import BlockInput
from .errors import InputError, ParevmError
from .modes import Mode, engine_for
from .progress import Progress
from .result import BlockResult
from .table import render

if TYPE_CHECKING:
    from distributed import Client, LocalCluster

T = TypeVar("T")
LOCAL = "local"
# Re-runs of a task that raised something other than parevm's own error (a fork refused on a
# full host, say); a lost worker is Dask's to handle: it runs the task elsewhere, up to the
# scheduler's distributed.scheduler.allowed-failures (3 by default).
RETRIES = 2


class ClusterError(ParevmError):
    """A task failed on the cluster: parevm's own error there, or workers lost too often."""


@dataclass(frozen=True)
class Done(Generic[T]):
    """A task's value, and where and how long it ran."""

    value: T
    worker: str  # the Dask worker's address
    host: str
    seconds: float


@dataclass(frozen=True)
class Failed:
    """parevm's own error in a task (bad input where it ran), to be reported as a local run
    reports it; re-running it would give the same."""

    message: str


@dataclass
class Share:
    """What one Dask worker (`workers` = 1), or all those of one host, did in a run."""

    worker: str  # the Dask worker's address; for a host, its name
    host: str
    workers: int = 1
    tasks: int = 0
    blocks: int = 0
    transactions: int = 0
    busy: float = 0.0  # seconds its tasks ran

    def add(self, other: "Share") -> None:
        self.tasks += other.tasks
        self.blocks += other.blocks
        self.transactions += other.transactions
        self.busy += other.busy


@dataclass(frozen=True)
class Throughput:
    """Blocks and transactions per second of a cluster run, as a whole, per host and per
    Dask worker.

    Every rate is over the run's wall time (first task submitted to last result in), so the
    parts' rates add up to the whole; `busy` says how much of that time each one worked.
    """

    scheduler: str
    seconds: float
    shares: tuple[Share, ...]

    @property
    def blocks(self) -> int:
        return sum(s.blocks for s in self.shares)

    @property
    def transactions(self) -> int:
        return sum(s.transactions for s in self.shares)

    @property
    def hosts(self) -> tuple[Share, ...]:
        """The workers' shares summed per host."""
        hosts: dict[str, Share] = {}
        for s in self.shares:
            total = hosts.setdefault(s.host, Share(s.host, s.host, workers=0))
            total.workers += 1
            total.add(s)
        return tuple(sorted(hosts.values(), key=lambda s: s.host))

    def rate(self, count: int) -> float:
        return count / self.seconds if self.seconds else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "scheduler": self.scheduler,
            "seconds": round(self.seconds, 6),
            "blocks": self.blocks,
            "transactions": self.transactions,
            "blocks_per_second": round(self.rate(self.blocks), 4),
            "tx_per_second": round(self.rate(self.transactions), 2),
            "hosts": [{"host": s.host, "workers": s.workers, **self._counts(s)} for s in self.hosts],
            "workers": [{"worker": s.worker, "host": s.host, **self._counts(s)} for s in self.shares],
        }

    def _counts(self, s: Share) -> dict[str, Any]:
        return {
            "tasks": s.tasks,
            "blocks": s.blocks,
            "transactions": s.transactions,
            "busy_seconds": round(s.busy, 6),
            "blocks_per_second": round(self.rate(s.blocks), 4),
            "tx_per_second": round(self.rate(s.transactions), 2),
        }

    def report(self) -> str:
        columns = ["host", "tasks", "blocks", "txs", "busy s", "blocks/s", "tx/s"]
        return "\n".join([
            f"cluster {self.scheduler}: {self.blocks} blocks, {self.transactions} transactions "
            f"in {self.seconds:.2f} s: {self.rate(self.blocks):.3f} blocks/s, "
            f"{self.rate(self.transactions):.0f} tx/s",
            render(["host", "workers", *columns[1:]], [[s.host, s.workers, *self._row(s)] for s in self.hosts]),
            "",
            render(["worker", *columns], [[s.worker, s.host, *self._row(s)] for s in self.shares]),
        ])

    def _row(self, s: Share) -> list[Any]:
        return [s.tasks, s.blocks, s.transactions, round(s.busy, 2),
                round(self.rate(s.blocks), 3), round(self.rate(s.transactions))]


def local_workers(spec: str, processes_per_task: int) -> int | None:
    """The Dask workers `local[:N]` asks for (by default as many as the cores hold tasks of
    `processes_per_task` processes each); None for a scheduler's address."""
    name, colon, count = spec.partition(":")
    if name != LOCAL:
        return None
    if not colon:
        return max(1, (os.cpu_count() or 1) // processes_per_task)
    limit = 4 * (os.cpu_count() or 1)
    if not count.isdigit() or not 1 <= int(count) <= limit:
        raise InputError(
            "--cluster", f"expected local or local:N with N from 1 to {limit} (4 per core), got {spec!r}"
        )
    return int(count)


@contextmanager
def connect(spec: str, processes_per_task: int) -> Iterator["Client"]:
    """A client of the scheduler at `spec`, or for local[:N] of a cluster of N worker
    processes (one thread each) started here and shut down on the way out."""
    from distributed import Client
    from distributed.comm.addressing import resolve_address

    workers = local_workers(spec, processes_per_task)
    if workers is not None:
        with local_cluster(workers) as cluster, Client(cluster) as client:
            yield client
        return
    try:
        # A malformed or unknown address is named at once (a Client that fails on one would
        # also print its own clean-up errors at exit).
        client = Client(resolve_address(spec), set_as_default=False)
    except Exception as exc:  # a port that answers something other than Dask raises anything
        reason = str(exc) or type(exc).__name__
        raise InputError("--cluster", f"cannot reach a Dask scheduler at {spec}: {reason}") from None
    with client:
        # Blocks would share a process's engine, and fork its workers from two threads.
        crowded = [(worker, n) for worker, n in client.nthreads().items() if n > 1]
        if crowded:
            worker, threads = crowded[0]
            raise InputError(
                "--cluster", f"Dask worker {worker} runs {threads} threads: parevm needs one per "
                "worker process (start workers with --nthreads 1)"
            )
        yield client


def local_cluster(workers: int) -> "LocalCluster":
    """A cluster of `workers` processes of one thread each on this machine. No dashboard,
    and the scheduler's HTTP server on a free port rather than 8787 (a warning when taken).
    Its workers' logs are silenced: what goes wrong in a task comes back through its result,
    and an interrupted run would otherwise end in their shutdown tracebacks."""
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
        scheduler_kwargs={"dashboard_address": ":0"}, silence_logs=logging.CRITICAL,
        preload=[__name__],
    )


def dask_setup(worker: object) -> None:
    """Preloaded into the workers of a local cluster (they are this process's children):
    Ctrl-C reaches the whole process group, but stopping them is the parent's job (it closes
    the cluster), as with the engine's own workers. Not for a cluster's own workers, which
    Ctrl-C in their terminal should stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run(
    spec: str,
    processes_per_task: int,
    function: Callable[[Any], T],
    items: Sequence[Any],
    measure: Callable[[T], tuple[int, int]],
    on_result: Callable[[T], None] = lambda _: None,
    progress: Progress | None = None,
    note: Callable[[T], str] = lambda _: "",
) -> tuple[list[T], Throughput]:
    """`function(item)` for every item, each a task on the cluster at `spec`.

    The progress bar moves as tasks finish, in any order; `on_result` gets each value in the
    items' order as soon as every value before it is in, and the values come back in that
    order. `measure` says how many blocks and transactions a value holds, for the throughput.
    A failed task ends the run; closing the client then drops the tasks not yet run.
    """
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    with connect(spec, processes_per_task) as client:
        run_id = uuid.uuid4().hex
        started = time.perf_counter()
        futures = [
            client.submit(_task, function, item, key=f"parevm-{run_id}-{index}", retries=RETRIES)
            for index, item in enumerate(items)
        ]
        index_of = {future.key: index for index, future in enumerate(futures)}
        done: dict[int, Done[T]] = {}
        handed = 0
        try:
            for future, finished in as_completed(futures, with_results=True, loop=client.loop):
                if isinstance(finished, Failed):
                    raise ClusterError(finished.message)
                future.release()  # the worker may drop its copy
                # By the task's key: Dask may run a task again (its worker lost), but the key
                # has one result, and each index is handed on once.
                done[index_of[future.key]] = finished
                if progress:
                    progress.advance(note(finished.value))
                while handed in done:
                    on_result(done[handed].value)
                    handed += 1
        except KilledWorker as lost:
            raise ClusterError(
                f"task {index_of[lost.task] + 1} of {len(items)}: every Dask worker that ran it "
                f"died ({lost.allowed_failures + 1} in all, the last {lost.last_worker.address}; "
                f"distributed.scheduler.allowed-failures is {lost.allowed_failures})"
            ) from None
        seconds = time.perf_counter() - started
        scheduler = client.scheduler.address
    ordered = [done[index] for index in range(len(items))]
    return [d.value for d in ordered], _throughput(scheduler, seconds, ordered, measure)


def _task(function: Callable[[Any], T], item: Any) -> Done[T] | Failed:
    """What a Dask worker runs: parevm's own errors come back as values; anything else
    raises, and Dask retries it."""
    from distributed import get_worker

    started = time.perf_counter()
    try:
        value = function(item)
    except ParevmError as exc:
        return Failed(str(exc))
    return Done(value, get_worker().address, socket.gethostname(), time.perf_counter() - started)


def _throughput(
    scheduler: str, seconds: float, done: Sequence[Done[T]], measure: Callable[[T], tuple[int, int]]
) -> Throughput:
    shares: dict[str, Share] = {}
    for d in done:
        blocks, transactions = measure(d.value)
        shares.setdefault(d.worker, Share(d.worker, d.host)).add(
            Share(d.worker, d.host, tasks=1, blocks=blocks, transactions=transactions, busy=d.seconds)
        )
    return Throughput(scheduler, seconds, tuple(sorted(shares.values(), key=lambda s: s.worker)))


def replay_block(mode: Mode, load: Callable[[], BlockInput]) -> BlockResult:
    """A replay task: load the block where the task runs and execute it on that process's
    engine (one per process and mode, so a Dask worker builds it once)."""
    return engine_for(mode).execute(load())
