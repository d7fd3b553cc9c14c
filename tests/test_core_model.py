"""The native core against simple Python models.

In one process, a hypothesis state machine applies random publications, estimate marks, reads,
validations and set fetches to a deliberately small core and to a dict model of the
multi-version memory, including exactly when a capacity runs out. From several processes,
random blocks run through the scheduler while the parent stops and resumes the workers at
random; the result must be the sequential model's, transaction by transaction, and the log of
handed-out tasks must follow Block-STM's rules. `make native-san` runs this module (and
tests/test_core.py) against a build of the core under AddressSanitizer and UBSan.
"""

from __future__ import annotations

import os
import random
import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from parevm.core import CapacityError, Core, Key, Read, ReadResult, Task, TaskKind, Write
from parevm.native import Kind

WORD = 2**256
ALICE, BOB = b"\xa1" * 20, b"\xb0" * 20


def storage(address: bytes, slot: int) -> Key:
    return (address, Kind.STORAGE, slot)


# ---------------------------------------------------------------------------------------------
# One process: the multi-version memory against a dict model


@dataclass
class Entry:
    value: int
    is_delta: bool
    incarnation: int


@dataclass
class Found:
    """What a read finds below a transaction, as pv_mv_read folds it."""

    result: ReadResult = ReadResult.NONE
    version: tuple[int, int] | None = None
    value: int = 0
    with_delta: bool = False


class MemoryModel:
    """Per transaction its write set (publication order) and read set, which transactions'
    writes are estimates, and the core's capacities as counts of keys, entries and reads."""

    def __init__(self, txs: int, keys: int, entries: int, reads: int) -> None:
        self.writes: list[dict[Key, Entry]] = [{} for _ in range(txs)]
        self.reads: list[list[Read]] = [[] for _ in range(txs)]
        self.estimates: set[int] = set()
        self.known_keys: list[Key] = []  # the key table only grows
        self.capacity = (keys, entries, reads)

    def read(self, tx: int, key: Key) -> Found:
        found = Found()
        for below in range(tx - 1, -1, -1):
            entry = self.writes[below].get(key)
            if entry is None:
                continue
            if below in self.estimates:
                return Found(ReadResult.ESTIMATE, (below, entry.incarnation))
            if found.version is None:
                found.version = (below, entry.incarnation)
            found.value = (found.value + entry.value) % WORD
            if not entry.is_delta:
                found.result = ReadResult.VALUE
                return found
            found.result, found.with_delta = ReadResult.DELTA, True
        return found

    def publish(self, tx: int, incarnation: int, reads: list[Read], writes: list[Write]) -> bool | None:
        """The publication's wrote-new-key flag, or None where the core must refuse it for
        capacity (keys it added to the table before running out stay there)."""
        keys, entries, read_cap = self.capacity
        for key, _, _ in writes:
            if key not in self.known_keys:
                if len(self.known_keys) == keys:
                    return None
                self.known_keys.append(key)
        fresh = [key for key, _, _ in writes if key not in self.writes[tx]]
        live_entries = sum(len(w) for w in self.writes)
        live_reads = sum(len(r) for r in self.reads)
        if live_entries + len(fresh) > entries or live_reads + len(reads) > read_cap:
            return None
        self.writes[tx] = {key: Entry(value, is_delta, incarnation) for key, value, is_delta in writes}
        self.reads[tx] = list(reads)
        self.estimates.discard(tx)
        return bool(fresh)

    def valid(self, tx: int) -> bool:
        """Every read would see the value it saw (a NONE read holds the pre-state value)."""
        for key, result, _, value in self.reads[tx]:
            now = self.read(tx, key)
            if now.result == ReadResult.ESTIMATE:
                return False
            if result == ReadResult.NONE:
                sees = {ReadResult.NONE: value, ReadResult.VALUE: now.value}.get(now.result, (value + now.value) % WORD)
                if sees != value:
                    return False
            elif (now.result, now.value) != (result, value):
                return False
        return True


KEYS = [
    (ALICE, Kind.BALANCE, None),
    (BOB, Kind.BALANCE, None),
    (ALICE, Kind.NONCE, None),
    storage(ALICE, 0),
    storage(ALICE, 2**255 + 7),
    storage(BOB, 1),
    (BOB, Kind.CODE_HASH, None),
]
MODEL_TXS = 6


def pre_state(key: Key) -> int:
    return (int.from_bytes(key[0][:2], "big") + (key[2] or 0) + 7 * key[1]) % WORD


# Small values, values just under 2**256 (credits that wrap), any value, and the keys' pre-state
# values (a write that leaves a NONE read's value as it was).
VALUES = st.one_of(
    st.integers(0, 9), st.integers(WORD - 4, WORD - 1), st.integers(0, WORD - 1), st.sampled_from([pre_state(k) for k in KEYS])
)
WRITE_SETS = st.lists(
    st.tuples(st.sampled_from(KEYS), VALUES, st.booleans()), max_size=4, unique_by=lambda w: w[0]
)
TX = st.integers(0, MODEL_TXS - 1)


class MemoryMachine(RuleBasedStateMachine):
    """Capacities are small (6 of the 7 keys, 10 entries, 8 read records) so that running out
    is common; the model says exactly when it must happen."""

    def __init__(self) -> None:
        super().__init__()
        self.core = Core(MODEL_TXS, keys=6, entries=10, reads=8, code_bytes=64)
        self.model = MemoryModel(MODEL_TXS, keys=6, entries=10, reads=8)
        self.incarnations = [0] * MODEL_TXS

    @rule(tx=TX, read_keys=st.lists(st.sampled_from(KEYS), max_size=4, unique=True), writes=WRITE_SETS)
    def execute(self, tx: int, read_keys: list[Key], writes: list[Write]) -> None:
        """Reads as an execution would (an ESTIMATE ends it), then publishes."""
        reads: list[Read] = []
        for key in read_keys:
            result, version, value = self.core.read(tx, key)
            expected = self.model.read(tx, key)
            assert (result, version, value) == (expected.result, expected.version, expected.value)
            if result == ReadResult.ESTIMATE:
                return
            reads.append((key, result, version, pre_state(key) if result == ReadResult.NONE else value))
        incarnation = self.incarnations[tx]
        expected_new = self.model.publish(tx, incarnation, reads, writes)
        if expected_new is None:
            with pytest.raises(CapacityError):
                self.core.finish_incarnation(tx, incarnation, reads, writes)
            return
        assert self.core.finish_incarnation(tx, incarnation, reads, writes) == expected_new
        self.incarnations[tx] += 1

    @precondition(lambda self: any(self.model.writes))
    @rule(tx=TX)
    def abort(self, tx: int) -> None:
        self.core.mark_estimates(tx)
        if self.model.writes[tx]:
            self.model.estimates.add(tx)

    @rule(tx=TX, key=st.sampled_from(KEYS))
    def read(self, tx: int, key: Key) -> None:
        expected = self.model.read(tx, key)
        assert self.core.read(tx, key) == (expected.result, expected.version, expected.value)

    @rule(tx=TX)
    def validate(self, tx: int) -> None:
        assert self.core.validate(tx) == self.model.valid(tx)

    @invariant()
    def sets_match(self) -> None:
        for tx in range(MODEL_TXS):
            model_writes = [(key, e.value, e.is_delta) for key, e in self.model.writes[tx].items()]
            assert self.core.tx_writes(tx) == model_writes
            assert self.core.tx_reads(tx) == self.model.reads[tx]

    def teardown(self) -> None:
        self.core.close()


TestMemoryModel = MemoryMachine.TestCase


# ---------------------------------------------------------------------------------------------
# Several processes: random blocks through the scheduler against sequential execution


@dataclass
class Program:
    """A fake transaction: it reads some keys into an accumulator, then writes some keys the
    accumulator, credits others, and writes one more key only when the accumulator is odd (so
    write sets change between incarnations); a `restored` key it writes back as it read it
    (a write that leaves higher readers' values as they were)."""

    reads: list[Key]
    writes: list[Key]
    credits: list[tuple[Key, int]]
    maybe: Key | None
    restored: Key | None = None

    def run(self, tx: int, read: Callable[[Key], int]) -> list[Write]:
        acc = tx
        for key in self.reads:
            acc = (acc * 31 + read(key)) % WORD
        out: list[Write] = [(key, (acc + i) % WORD, False) for i, key in enumerate(self.writes)]
        if self.restored is not None:
            out.append((self.restored, read(self.restored), False))
        out += [(key, amount, True) for key, amount in self.credits]
        if self.maybe is not None and acc % 2:
            out.append((self.maybe, acc, False))
        return out


def random_block(rng: random.Random, txs: int, n_keys: int) -> list[Program]:
    keys = [storage(ALICE, slot) for slot in range(n_keys)]
    fee = (BOB, Kind.BALANCE, None)
    block = []
    for _ in range(txs):
        picked = rng.sample(keys, min(len(keys), rng.randint(1, 5)))
        cut = rng.randint(0, len(picked))
        writes = picked[cut:]
        credits = [(fee, rng.randint(1, 1000))] if rng.random() < 0.7 else []
        if writes and rng.random() < 0.3:  # a credit to a key others read
            credits.append((writes.pop(), WORD - rng.randint(1, 5)))
        spare = [key for key in keys if key not in picked]
        maybe = rng.choice(spare) if spare and rng.random() < 0.5 else None
        spare = [key for key in spare if key != maybe]
        restored = rng.choice(spare) if spare and rng.random() < 0.3 else None
        reads = picked[:cut] + ([fee] if rng.random() < 0.1 else [])
        block.append(Program(reads, writes, credits, maybe, restored))
    return block


def apply(state: dict[Key, int], writes: list[Write]) -> None:
    for key, value, is_delta in writes:
        state[key] = (state.get(key, pre_state(key)) + value) % WORD if is_delta else value


def sequential(block: list[Program]) -> tuple[list[list[Write]], dict[Key, int]]:
    state: dict[Key, int] = {}
    per_tx = []
    for tx, program in enumerate(block):
        writes = program.run(tx, lambda key: state.get(key, pre_state(key)))
        apply(state, writes)
        per_tx.append(writes)
    return per_tx, state


class Blocked(Exception):
    def __init__(self, blocking: int) -> None:
        self.blocking = blocking


@dataclass
class Worker:
    """One process's loop; it logs each task it is handed and jitters at random points."""

    core: Core
    block: list[Program]
    rng: random.Random
    log: list[str] = field(default_factory=list)

    def jitter(self) -> None:
        roll = self.rng.random()
        if roll < 0.05:
            time.sleep(self.rng.random() / 2000)
        elif roll < 0.3:
            os.sched_yield()

    def run(self) -> None:
        task: Task | None = None
        while True:
            task = task or self.core.next_task()
            if task.kind == TaskKind.DONE:
                return
            if task.kind == TaskKind.NONE:
                task = None
                os.sched_yield()
                continue
            self.log.append(f"{task.kind.name} {task.tx} {task.incarnation}")
            task = self.execute(task) if task.kind == TaskKind.EXECUTE else self.validate(task)

    def execute(self, task: Task) -> Task | None:
        while True:
            reads: list[Read] = []

            def read(key: Key) -> int:
                self.jitter()
                result, version, value = self.core.read(task.tx, key)
                if result == ReadResult.ESTIMATE:
                    raise Blocked(version[0])
                if result == ReadResult.NONE:
                    value = pre_state(key)  # the value used, as a worker records it
                reads.append((key, result, version, value))
                return value if result != ReadResult.DELTA else (pre_state(key) + value) % WORD

            try:
                writes = self.block[task.tx].run(task.tx, read)
            except Blocked as blocked:
                if self.core.add_dependency(task.tx, blocked.blocking):
                    self.log.append(f"WAIT {task.tx} {task.incarnation}")
                    return None
                continue
            self.jitter()
            wrote_new_key = self.core.finish_incarnation(task.tx, task.incarnation, reads, writes)
            return self.core.finish_execution(task.tx, task.incarnation, wrote_new_key)

    def validate(self, task: Task) -> Task | None:
        valid = self.core.validate(task.tx)
        self.jitter()
        aborted = not valid and self.core.try_validation_abort(task.tx, task.incarnation)
        if aborted:
            self.log.append(f"ABORT {task.tx} {task.incarnation}")
            self.core.mark_estimates(task.tx)
        return self.core.finish_validation(task.tx, aborted)


def run_workers(core: Core, block: list[Program], processes: int, seed: int, logs: Path) -> None:
    """Forks the workers, stops and resumes them at random until they finish."""
    pids = []
    for index in range(processes):
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                signal.alarm(60)  # a deadlock fails the test instead of hanging it
                worker = Worker(core, block, random.Random(seed * 100 + index))
                worker.run()
                (logs / f"{index}.log").write_text("\n".join(worker.log))
                status = 0
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(status)
        pids.append(pid)
    rng = random.Random(seed)
    statuses = {}
    while len(statuses) < processes:
        for pid in pids:
            if pid not in statuses:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    statuses[pid] = status
        victim = rng.choice(pids)
        if victim not in statuses:
            os.kill(victim, signal.SIGSTOP)  # perhaps inside a lock: the others must wait it out
            time.sleep(rng.random() / 500)
            os.kill(victim, signal.SIGCONT)
        time.sleep(rng.random() / 1000)
    assert list(statuses.values()) == [0] * processes


# (transactions, keys, processes): contended, moderate, nearly independent, tiny blocks.
SHAPES = [(80, 3, 3), (120, 12, 4), (60, 40, 2), (1, 2, 3), (7, 1, 4), (100, 6, 3)]


@pytest.mark.parametrize("seed", range(12))
def test_processes_match_the_sequential_model(seed, tmp_path):
    rng = random.Random(seed)
    txs, n_keys, processes = SHAPES[seed % len(SHAPES)]
    block = random_block(rng, txs, n_keys)
    expected_writes, expected_state = sequential(block)
    with Core(txs) as core:
        run_workers(core, block, processes, seed, tmp_path)
        assert core.done()
        state: dict[Key, int] = {}
        for tx in range(txs):
            writes = core.tx_writes(tx)
            assert writes == expected_writes[tx], f"tx {tx}"
            assert core.validate(tx), f"tx {tx}'s final reads are stale"
            apply(state, writes)
        assert state == expected_state
        events = [line.split() for log in tmp_path.glob("*.log") for line in log.read_text().splitlines()]
        check_schedule(txs, events, core.stats())


def check_schedule(txs: int, events: list[list[str]], stats: dict[str, int]) -> None:
    """Block-STM's rules on the tasks handed out over all processes: each incarnation of a
    transaction executed exactly once, incarnations 0..n with none skipped, every re-execution
    caused by exactly one abort or dependency wait, the last incarnation validated, the
    core's counters equal to the log's."""
    executed = [(int(tx), int(inc)) for kind, tx, inc in events if kind == "EXECUTE"]
    validated = {(int(tx), int(inc)) for kind, tx, inc in events if kind == "VALIDATE"}
    aborts = [(int(tx), int(inc)) for kind, tx, inc in events if kind == "ABORT"]
    assert len(executed) == len(set(executed)), "an incarnation was executed twice"
    for tx in range(txs):
        incarnations = sorted(inc for t, inc in executed if t == tx)
        assert incarnations == list(range(len(incarnations))) and incarnations, f"tx {tx}: {incarnations}"
        assert (tx, incarnations[-1]) in validated, f"tx {tx}'s last incarnation never validated"
    waits = [(int(tx), int(inc)) for kind, tx, inc in events if kind == "WAIT"]
    assert len(set(aborts + waits)) == len(aborts + waits), "an incarnation ended twice"
    assert len(executed) - txs == len(aborts) + len(waits)
    assert stats["executions"] == len(executed)
    assert stats["validations"] == sum(1 for kind, *_ in events if kind == "VALIDATE")
    assert stats["failed_validations"] == len(aborts)
    assert stats["dependencies"] == len(waits)
