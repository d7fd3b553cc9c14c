"""The parallel executor: Block-STM over worker processes forked per block, sharing the native core.

Per block: map a shared region, give the scheduler the long transactions to start first
(long_first), fork the workers (they inherit the prepared pre-state), collect each
incarnation's Outcome from their pipes and commit in order as transactions become final,
until the scheduler is done. Where no core is left for the parent, it is one of the workers
and commits between its own tasks, rather than wait on the others and commit after them. A
worker that dies or stalls costs a re-run of the block, never a wrong or hung result; capacity
running out grows the region and re-runs.
"""

import os
import select
import signal
import time
from collections.abc import Iterable, Sequence
from typing import Any

from eth.abc import BlockHeaderAPI, SignedTransactionAPI, VirtualMachineAPI

from .children import fork_bound, release_free_heap
from .commit import OrderedCommit
from .crypto import KzgSetupNeeded, kzg_setup_loaded, load_kzg_setup
from .core import FIRST_MAX, CapacityError, Core, RegionLost, pause
from .errors import ParevmError
from .frames import Inbox, Outbox
from .outcome import Outcome, Sent
from .overlay import OverlayAccountDB
from .sequential import Executed, ParevmExecutor, SequentialExecutor
from .stats import ExecutionStats
from .worker import PASSED_ON, Worker, parallel_state_class


MIN_TXS = 8  # below it a block runs sequentially by default
LONG_SHARE = 4  # long: a gas limit of at least 1/(LONG_SHARE * workers) of the block's total


def long_first(transactions: Sequence[SignedTransactionAPI], workers: int) -> list[int]:
    """The transactions to start before the in-order sweep, longest first: reached in order
    near the end of the block, a long one runs alone while the other workers idle (mainnet
    block 19929064: its transaction 91 is half the block's time). Its gas limit is all that is
    known in advance. At most workers - 1, so that one worker at least starts in order.

    Speculative, like every execution: one that reads what a lower transaction writes is
    re-run when validation finds it. On the 41 corpus blocks run in parallel, scheduling each
    block's graph (measured times) on 2 workers with these started first raises the ideal from
    1.807x to 1.839x of sequential, for 0.01 s of runs wasted on a dependency."""
    limits = [transaction.gas for transaction in transactions]
    floor = sum(limits) / (LONG_SHARE * workers)
    long = sorted((tx for tx, limit in enumerate(limits) if limit >= floor), key=lambda tx: (-limits[tx], tx))
    return long[: min(workers - 1, FIRST_MAX)]


class WorkerLost(ParevmError):
    """A worker died or made no progress; the block is re-run."""


class EngineError(ParevmError):
    """A worker failed with an error that re-running cannot fix (a bug, reported as such)."""


class ParallelExecutor(ParevmExecutor):
    """Optimistic parallel execution of a block's transactions, bit-identical to sequential.

    workers: processes that execute a block (default: the number of cores). min_txs: below it,
    a block runs sequentially, where forking costs more than it gains (0: every block in
    parallel).
    stall_seconds: how long the block may make no progress before its workers are killed.
    retries: parallel re-runs after a lost worker or a full core. fallback: then run the block
    sequentially (False: raise EngineError, for callers that want parallel or nothing).
    keys: keep each transaction's final read and write keys in the stats (for analysis).
    parent_works: whether the parent is one of the workers (it forks one fewer and commits
    between its own tasks) rather than forking them all and committing beside them; by default
    when no core is left for it. The commit runs beside the workers, except for a block before
    Byzantium over a chain's trie, whose per-receipt roots take the writes into the trie: after
    them there.
    `log` holds the stats of every block executed since its reader last cleared it.
    """

    mode = "parallel"

    def __init__(
        self,
        workers: int | None = None,
        min_txs: int = MIN_TXS,
        stall_seconds: float = 300.0,
        retries: int = 2,
        fallback: bool = True,
        keys: bool = False,
        parent_works: bool | None = None,
    ) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.parent_works = self.workers >= (os.cpu_count() or 1) if parent_works is None else parent_works
        self.min_txs = min_txs
        self.stall_seconds = stall_seconds
        self.retries = retries
        self.fallback = fallback
        self.keys = keys
        self.log: list[ExecutionStats] = []
        self.worker_pids: list[int] = []  # the running block's workers (for fault tests)
        self.exiting: list[int] = []  # workers that sent everything and are exiting (see settle)

    def execute(
        self,
        vm: VirtualMachineAPI,
        transactions: Sequence[SignedTransactionAPI],
        base_header: BlockHeaderAPI,
    ) -> Executed:
        self.settle()
        stats = ExecutionStats(workers=self.workers, transactions=len(transactions))
        self.log.append(stats)
        if len(transactions) < self.min_txs:
            stats.fallback = f"fewer than {self.min_txs} transactions: too few to gain"
            return SequentialExecutor().execute(vm, transactions, base_header)
        limits = Core.default_limits(len(transactions))
        stats.first = long_first(transactions, self.workers)  # given to each attempt's core
        attempts = 0
        while attempts <= self.retries:
            attempt_started = time.perf_counter()
            had_setup = kzg_setup_loaded()  # when the workers are forked
            try:
                with Core(**limits) as core:
                    outcomes, commit = self._attempt(core, vm, transactions, base_header, stats)
                    if self.keys:
                        stats.record_keys(core, outcomes)
                header, receipts = commit.result()
                return header, receipts, tuple(outcomes)
            except KzgSetupNeeded:
                if not had_setup:  # not a failed attempt: load (if the parent's worker did not) and re-run
                    load_kzg_setup()  # the re-run and every later block of this process inherit it
                    stats.phases["kzg_setup"] = time.perf_counter() - attempt_started
                    continue
                stats.retries.append("KZG setup still missing after loading it")
            except CapacityError as full:
                stats.retries.append(f"capacity: {full}")
                limits = {name: value if name == "txs" else value * 4 for name, value in limits.items()}
            except (WorkerLost, RegionLost) as lost:  # the region of a lost worker may be lost too
                stats.retries.append(f"worker lost: {lost}")
            wasted = time.perf_counter() - attempt_started
            stats.phases["failed_attempts"] = stats.phases.get("failed_attempts", 0.0) + wasted
            attempts += 1
        failed = f"parallel run failed {self.retries + 1} times: {stats.retries[-1]}"
        if not self.fallback:
            raise EngineError(failed)
        stats.fallback = failed
        return SequentialExecutor().execute(vm, transactions, base_header)

    def settle(self) -> None:
        """Reaps the workers still exiting. A worker that sent its last message is done, but
        its exit, where the kernel unmaps its copy of the parent's memory, takes about 3 ms
        here: the parent goes on meanwhile (the block's roots) instead of waiting for it.
        replay calls this after the roots (or once the block failed), `execute` before the
        next block, Engine.close at the end.

        A worker stays in the intake's `readers` until its pipe closes, not only until its
        last message: one stopped in between is still killed by `_reap`, and this never
        waits on it."""
        while self.exiting:
            os.waitpid(self.exiting.pop(), 0)

    def _attempt(
        self,
        core: Core,
        vm: VirtualMachineAPI,
        transactions: Sequence[SignedTransactionAPI],
        base_header: BlockHeaderAPI,
        stats: ExecutionStats,
    ) -> tuple[list[Outcome], OrderedCommit]:
        """One parallel run of the block, committed beside the workers: from Byzantium on
        they make the receipts; before, each receipt holds the state root after its
        transaction, which the commit takes beside them wherever that leaves what they read
        as it is (see below). A chain's trie takes the commit's writes in at each root: there
        the commit runs after them.

        The state's changes so far are locked first, as py-evm locks them before each
        transaction: its top layer then holds the commit's writes alone. The workers read a
        copy of the layer below (the parent's own worker too, while the commit writes above
        it), since a root moves the commit's writes down into that layer; a retry drops what
        a lost run committed by putting the copy back. (A snapshot would journal every write
        the commit makes; on 2,000 transfers that journal, freed at the end, made the state
        root's work 60-70 ms slower, in fresh memory's page faults.)"""
        commit = OrderedCommit(vm, transactions, base_header, core.tx_writes, core.code_get)
        vm.state.lock_changes()
        accounts = vm.state._account_db  # type: ignore[attr-defined]
        reads = accounts.committed.copy()
        beside = commit if not commit.root_per_receipt or accounts.roots_keep_layers else None
        core.execute_first(stats.first)
        try:
            started = time.perf_counter()
            latest = self._run(core, vm, reads, transactions, beside, stats)
            stats.phases["parallel"] = time.perf_counter() - started
            stats.record_core(core)
            started = time.perf_counter()
            commit.advance(core, latest)
            stats.phases["commit"] = time.perf_counter() - started
            if commit.count != len(transactions):
                raise EngineError(f"the block is done, but transaction {commit.count} could not be committed")
        except (KzgSetupNeeded, CapacityError, WorkerLost, RegionLost):
            accounts.roll_back_to(reads)  # the re-run starts before the transactions
            raise
        return [latest[tx][1] for tx in range(len(transactions))], commit

    def _run(
        self,
        core: Core,
        vm: VirtualMachineAPI,
        reads: OverlayAccountDB,
        transactions: Sequence[SignedTransactionAPI],
        beside: OrderedCommit | None,
        stats: ExecutionStats,
    ) -> dict[int, tuple[int, Outcome]]:
        """Fork the workers (one fewer where the parent works), gather outcomes (latest
        incarnation wins) until the block is done and every worker has closed its pipe,
        committing beside them where `beside` is given. A worker whose last message came is
        left to exit (see settle); any other is reaped here.

        Plain os.fork rather than multiprocessing.Process: the engine must also run inside
        daemonic processes (process pools, cluster workers), which multiprocessing forbids
        to have children.
        """
        # Made here, once per fork for the whole process: a worker forked per block would
        # make the classes again each time (1 ms, before its first transaction).
        state_class = parallel_state_class(type(vm).fork_state_class)  # type: ignore[attr-defined]
        readers: dict[Inbox, int] = {}
        stats.worker_seconds.clear()  # the account of the attempt that gives the result
        release_free_heap()
        try:
            for _ in range(self.workers - int(self.parent_works)):
                read, write = os.pipe()

                def work() -> None:
                    os.close(read)
                    Worker(core, vm, reads, state_class, transactions, Outbox(write)).run()

                pid = fork_bound(work)
                os.close(write)
                readers[Inbox(read)] = pid
            self.worker_pids = list(readers.values())
            intake = _Intake(readers, core, beside, stats, self.stall_seconds, self.exiting)
            if self.parent_works:
                _work(Worker(core, vm, reads, state_class, transactions, _Delivery(intake.latest)), intake)
            while intake.open():
                if not intake.take(self.stall_seconds):
                    intake.check_stall()
        finally:
            self._reap(readers)
        if not core.done() or len(intake.latest) != len(transactions):
            raise WorkerLost("the workers stopped before the block was done")
        return intake.latest

    def _reap(self, readers: dict[Inbox, int]) -> None:
        """Kill and wait for every worker still running; close the pipes."""
        for reader, pid in readers.items():
            if pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                os.waitpid(pid, 0)
            reader.close()
        self.worker_pids = []


class _Intake:
    """What one attempt's forked workers send the parent: the newest outcome per transaction,
    the commit beside them as outcomes arrive, and the check that they still make progress."""

    def __init__(
        self,
        readers: dict[Inbox, int],
        core: Core,
        beside: OrderedCommit | None,
        stats: ExecutionStats,
        stall_seconds: float,
        exiting: list[int],
    ) -> None:
        self.readers = readers
        self.core = core
        self.beside = beside
        self.stats = stats
        self.stall_seconds = stall_seconds
        self.exiting = exiting  # where a worker that finished goes while it exits
        self.finished: set[Inbox] = set()  # the workers whose last message came
        self.latest: dict[int, tuple[int, Outcome]] = {}
        self.cpu, _ = _worker_times(readers.values())
        # The pipes polled: one poll object for the attempt. multiprocessing's wait made a
        # selector per call, 7.6 µs here, and the parent's own worker asks after each task.
        self.poller = select.poll()
        self.by_fd = {reader.fd: reader for reader in readers}
        for fd in self.by_fd:
            self.poller.register(fd, select.POLLIN)

    def open(self) -> list[Inbox]:
        """The pipes of the workers still running."""
        return [reader for reader in self.readers if not reader.ended]

    def take(self, timeout: float) -> bool:
        """Take in what the workers sent within `timeout` and commit what can be; reap the
        workers that ended before their last message. Whether anything came."""
        ready = [self.by_fd[fd] for fd, _ in self.poller.poll(timeout * 1000)]
        for reader in ready:
            for message in reader.receive():
                if message[0] in PASSED_ON:
                    raise PASSED_ON[message[0]](message[1])
                if message[0] == "crash":
                    raise EngineError(f"a worker failed:\n{message[1]}")
                if message[0] == "seconds":  # a worker's last message: it is done
                    self.stats.record_worker_seconds(message[1])
                    self.finished.add(reader)
                    continue
                _keep_latest(self.latest, message[1])
            if reader.ended:
                self.poller.unregister(reader.fd)
                pid, self.readers[reader] = self.readers[reader], 0
                if reader in self.finished:
                    self.exiting.append(pid)  # its exit overlaps the parent's next steps: settle
                    continue
                _, status = os.waitpid(pid, 0)
                if status != 0 or reader.cut_off:
                    cut = ", in the middle of a message" if reader.cut_off else ""
                    raise WorkerLost(f"a worker ended with wait status {status}{cut}")
        if self.beside is not None:
            phases, started = self.stats.phases, time.perf_counter()
            self.beside.advance(self.core, self.latest)
            committed = time.perf_counter()
            self.beside.prepare_root()  # the state root's work, not the commit's: timed apart
            phases["commit_beside"] = phases.get("commit_beside", 0.0) + committed - started
            phases["root_ahead"] = phases.get("root_ahead", 0.0) + time.perf_counter() - committed
        return bool(ready)

    def check_stall(self) -> None:
        """No incarnation finished for stall_seconds: stuck, unless the workers computed for a
        good part of it (one transaction can run for minutes in a pure-Python precompile);
        idle workers sleep, so they hardly count. A stopped worker (SIGSTOP, a debugger) makes
        it stuck whatever the others do: they may be spinning on a lock it holds."""
        before = self.cpu
        self.cpu, stopped = _worker_times(self.readers.values())
        if stopped:
            raise WorkerLost(f"no progress for {self.stall_seconds:.0f} s, a worker stopped")
        if self.cpu is None or before is None or self.cpu - before < 0.25 * self.stall_seconds:
            raise WorkerLost(f"no progress for {self.stall_seconds:.0f} s")


def _work(worker: Worker, intake: _Intake) -> None:
    """The parent as one of the workers: after each of its chains of tasks, and while it
    waits on the others, it takes in what they sent and commits what it can. It never blocks
    on the pipes, since tasks can become free without a message (a validation after another
    worker's execution); where nothing happens for stall_seconds, the others are checked."""
    progress = time.monotonic()

    def between() -> None:
        nonlocal progress
        worker.flush()
        intake.take(0)
        progress = time.monotonic()

    def idle(rounds: int) -> None:
        nonlocal progress
        if intake.take(0):
            progress = time.monotonic()
        elif time.monotonic() - progress > intake.stall_seconds:
            intake.check_stall()
            progress = time.monotonic()
        pause(rounds)

    worker.waiting = idle
    worker.loop(idle, between)  # the last chain's outcomes went out in between()
    intake.stats.record_worker_seconds(worker.seconds)


def _worker_times(pids: Iterable[int]) -> tuple[float | None, bool]:
    """The CPU time the live workers have used (None where Linux's /proc cannot be read), and
    whether one of them is stopped."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, stopped = 0.0, False
    for pid in pids:
        if not pid:
            continue
        try:
            with open(f"/proc/{pid}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            return None, stopped
        stopped = stopped or fields[0] in (b"T", b"t")  # stopped by a signal, or by a tracer
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total, stopped


def _keep_latest(latest: dict[int, tuple[int, Outcome]], outcomes: Iterable[tuple[int, int, Sent]]) -> None:
    """Each transaction's newest incarnation and its outcome."""
    for tx, incarnation, outcome in outcomes:
        if tx not in latest or latest[tx][0] <= incarnation:
            latest[tx] = (incarnation, Outcome.received(outcome))


class _Delivery:
    """The parent's own worker's outcomes, handed over in place."""

    def __init__(self, latest: dict[int, tuple[int, Outcome]]) -> None:
        self.latest = latest

    def send(self, message: tuple[str, Any]) -> None:
        _keep_latest(self.latest, message[1])

    def push(self) -> None:
        """Nothing waits: everything was handed over."""

    def close(self) -> None:
        """Nothing to close: no pipe."""
