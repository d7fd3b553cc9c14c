"""The native core from Python: one shared-memory region holding the multi-version memory,
the read and write sets, the code arena and the Block-STM scheduler (native/pv_core.h).

The region is an anonymous MAP_SHARED mapping, so worker processes forked after `Core` is
created all work on the same state without pickling anything. Every call goes straight to C;
the wrapper only converts keys and 256-bit values: read and write sets cross as one packed
bytes object each, and the output buffers are kept between calls.
"""

from __future__ import annotations

import mmap
import os
import struct
import time
from collections.abc import Iterator, Sequence
from enum import IntEnum
from typing import Any, NamedTuple

from ._native import ffi, lib
from .native import Key, NativeError, key_bytes, key_from_bytes


FIRST_MAX = lib.PV_FIRST_MAX  # transactions a block may give the scheduler to execute first
SPINS = 2000  # rounds of a wait that yield the core before it sleeps (about 2.6 ms here)
_SLEEP = 0.0005


def pause(rounds: int) -> None:
    """One round of a worker's wait on another: yield at first, then sleep, so that a long
    wait burns no core (and the parent can tell busy workers from stuck ones). The yielding
    lasts a few transactions: a sleep ends 0.6 ms late here, and on a chain of transactions
    (each reading what the one below writes) that delay is added to every link."""
    if rounds < SPINS:
        os.sched_yield()
    else:
        time.sleep(_SLEEP)


class CapacityError(NativeError):
    """A capacity fixed when the region was made ran out (PV_EFULL).

    The core stays consistent; the engine makes a larger `Core` and runs the block again.
    """


class RegionLost(NativeError):
    """A process died or was stopped inside one of the core's critical sections, and a wait
    on its lock gave up (PV_ELOST): what it guarded may be half-changed.

    The engine abandons the region and runs the block again, as for a lost worker.
    """


class ReadResult(IntEnum):
    """What a multi-version read found below the reading transaction."""

    NONE = lib.PV_READ_NONE  # nothing: read the pre-state
    VALUE = lib.PV_READ_VALUE  # a value (any deltas above it already added)
    ESTIMATE = lib.PV_READ_ESTIMATE  # a write of an aborted tx: wait for it
    DELTA = lib.PV_READ_DELTA  # only deltas: add the value to the pre-state


class TaskKind(IntEnum):
    """What a worker is to do next."""

    NONE = lib.PV_TASK_NONE  # nothing now, ask again
    EXECUTE = lib.PV_TASK_EXECUTE
    VALIDATE = lib.PV_TASK_VALIDATE
    DONE = lib.PV_TASK_DONE


class Task(NamedTuple):
    """A task of the scheduler: execute or validate incarnation `incarnation` of tx."""

    kind: TaskKind
    tx: int
    incarnation: int


class Limits(NamedTuple):
    """The capacities of a region; each is at most 2**28."""

    txs: int
    keys: int
    entries: int  # multi-version entries: the writes of every transaction's current incarnation
    reads: int  # read records: the reads of every transaction's current incarnation
    code_bytes: int  # code arena; each code takes its length + a 40-byte header, 8-aligned


Version = tuple[int, int]
"""(tx index, incarnation)."""
Read = tuple[Key, ReadResult, Version | None, int]
"""What one read saw: (key, result, version or None, value)."""
Write = tuple[Key, int, bool]
"""(key, value, is_delta): a delta is added to what is below it, modulo 2**256."""


_MESSAGES = {
    lib.PV_EINVAL: "invalid argument",
    lib.PV_EFULL: "capacity exhausted",
    lib.PV_ESTATE: "not allowed in the transaction's scheduler state",
    lib.PV_ENOTFOUND: "not found",
    lib.PV_ETOOSMALL: "buffer too small",
    lib.PV_ELOST: "a process died inside a critical section of the core",
}
_ERRORS = {lib.PV_EFULL: CapacityError, lib.PV_ELOST: RegionLost}
_RESULTS = tuple(sorted(ReadResult))
_TASK_KINDS = tuple(sorted(TaskKind))


def _check(status: int, what: str) -> int:
    """Turns a negative status of the core into an exception."""
    if status < 0:
        raise _ERRORS.get(status, NativeError)(f"{what}: {_MESSAGES.get(status, status)}")
    return status


def _record(ctype: str, *fields: tuple[str, str]) -> struct.Struct:
    """A struct.Struct for ctype's fields at the offsets the C compiler chose, so that whole
    arrays of records cross into C as one bytes object instead of field by field."""
    fmt, end = "=", 0
    for name, code in fields:
        offset = ffi.offsetof(ctype, name)
        fmt += f"{offset - end}x{code}" if offset > end else code
        end = offset + struct.calcsize("=" + code)
    return struct.Struct(fmt + (f"{ffi.sizeof(ctype) - end}x" if ffi.sizeof(ctype) > end else ""))


_KEY_SIZE = ffi.sizeof("pv_key")  # address, kind, slot: 53 bytes, unpadded
_READ = _record("pv_read", ("key", f"{_KEY_SIZE}s"), ("result", "B"), ("exact", "B"), ("version", "II"), ("value", "32s"))
_READ_VALUE = ffi.offsetof("pv_read", "value")
_WRITE = _record("pv_write", ("key", f"{_KEY_SIZE}s"), ("flag", "B"), ("value", "32s"))
_FLAGS = (lib.PV_ABSOLUTE, lib.PV_DELTA)  # a write's flag, by is_delta
WRITE_RECORD = _record("pv_write", ("key", "20sB32s"), ("flag", "B"), ("value", "32s"))
"""A pv_write packed from its parts: address (20 bytes), kind, slot (32 bytes, big-endian, zero
but for storage), flag (PV_ABSOLUTE or PV_DELTA), value (32 bytes, big-endian); for a write set
packed straight from its owner's tables (see Core.publish)."""


def _int(word: Any) -> int:
    return int.from_bytes(ffi.buffer(word), "big")


def _task(task: Any) -> Task:
    return Task(_TASK_KINDS[task.kind], task.tx, task.incarnation)


def _follow_up(task: Any) -> Task | None:
    """The task a finish call hands back to its caller, if any."""
    return None if task.kind == lib.PV_TASK_NONE else _task(task)


class Core:
    """A native core sized for one block; create it before forking the workers.

    Capacities left out are sized from `txs` for typical blocks; running out raises
    `CapacityError` and never corrupts the state.
    """

    def __init__(
        self,
        txs: int,
        keys: int | None = None,
        entries: int | None = None,
        reads: int | None = None,
        code_bytes: int | None = None,
    ) -> None:
        given = {"keys": keys, "entries": entries, "reads": reads, "code_bytes": code_bytes}
        self.limits = Limits(
            **{**self.default_limits(txs), **{name: value for name, value in given.items() if value is not None}}
        )
        try:
            limits = ffi.new("pv_limits *", self.limits._asdict())
        except OverflowError:
            raise NativeError(f"invalid limits: {self.limits}") from None
        self.size: int = lib.pv_core_size(limits)
        if self.size == 0:
            raise NativeError(f"invalid limits: {self.limits}")
        # Anonymous and shared: the pages are the same in every process forked from here on.
        self._mmap = mmap.mmap(-1, self.size, flags=mmap.MAP_SHARED)
        self._region = ffi.from_buffer(self._mmap)
        _check(lib.pv_core_init(self._region, self.size, limits), "init")
        self._core = lib.pv_core_at(self._region)
        self._value = ffi.new("uint8_t[32]")
        self._version = ffi.new("pv_version *")
        self._task = ffi.new("pv_task *")
        self._count = ffi.new("uint32_t *")
        self._flag = ffi.new("int *")
        self._wait = ffi.new("uint32_t *")
        self._incarnation = ffi.new("uint32_t *")
        self._reads = ffi.new("pv_read[]", 64)
        self._staged = ffi.new("pv_read[]", 64)  # the running incarnation's reads (read_or_wait)
        self._staged_bytes = memoryview(ffi.buffer(self._staged))
        self._writes = ffi.new("pv_write[]", 64)
        self._code = ffi.new("uint8_t[]", 32 * 1024)
        self._key_bytes: dict[Key, bytes] = {}

    @staticmethod
    def default_limits(txs: int) -> dict[str, int]:
        """Capacities for a block of txs typical transactions (a few dozen keys read, a few
        written), generous because untouched pages of the region cost nothing; the floors
        hold one transaction that reads tens of thousands of slots (running out costs a
        whole re-run of the block: mainnet block 2462997, 9 transactions, did), for about
        0.2 ms more to set up."""
        return {
            "txs": txs,
            "keys": 64 * txs + 16384,
            "entries": 32 * txs + 16384,
            "reads": 128 * txs + 65536,
            "code_bytes": 1 << 22,
        }

    def close(self) -> None:
        """Unmaps the region; later calls raise NativeError (the core pointer becomes NULL)."""
        if self._core != ffi.NULL:
            self._core = ffi.NULL
            ffi.release(self._region)
            self._mmap.close()

    def __enter__(self) -> Core:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Multi-version memory

    def read(self, tx: int, key: Key) -> tuple[ReadResult, Version | None, int]:
        """What tx reads for key from the lower transactions: (result, version, value).

        NONE has no version and value 0; ESTIMATE's version names the tx to wait for.
        """
        status = lib.pv_mv_read(
            self._core, tx, ffi.from_buffer("pv_key *", self._packed(key)), self._value, self._version
        )
        return self._found(status, self._version, self._value)

    def read_or_wait(self, tx: int, key: Key, slot: int) -> tuple[tuple[ReadResult, Version | None, int], int | None]:
        """read(tx, key), and a lower transaction executing now that tx had better wait for
        and then read again (None: none): an ESTIMATE's, or a likely writer of a hot key.
        The read's record goes to `slot` of the staged read set that publish() publishes: the
        reads an incarnation keeps fill slots 0, 1, ... (one read again replaces its slot)."""
        if slot >= len(self._staged):
            grown = ffi.new("pv_read[]", 2 * slot)
            ffi.memmove(grown, self._staged, ffi.sizeof(self._staged))
            self._staged, self._staged_bytes = grown, memoryview(ffi.buffer(grown))
        record = self._staged + slot
        status = lib.pv_mv_read_or_wait(
            self._core, tx, ffi.from_buffer("pv_key *", self._packed(key)), record, self._wait
        )
        found = self._found(status, record.version, record.value)
        return found, None if self._wait[0] == lib.PV_NO_TX else self._wait[0]

    def read_pre_state(self, slot: int, value: int) -> None:
        """The pre-state value a NONE read at `slot` of the staged read set used, kept in its
        record: validation compares values (see pv_validate), so that a lower transaction's
        write of the same value leaves the read valid."""
        if value:  # the core leaves 0 there
            start = slot * _READ.size + _READ_VALUE
            self._staged_bytes[start : start + 32] = value.to_bytes(32, "big")  # 0.2 µs; ffi.memmove 0.5

    def read_exact(self, slot: int) -> None:
        """The staged read at `slot` holds only while it finds the same version: its reader
        used the order of writes, not only their values."""
        self._staged[slot].exact = 1

    def _packed(self, key: Key) -> bytes:
        """key_bytes(key), kept: a worker packs each key it reads once more when it publishes
        the read set, and a hot key in every incarnation. Bounded by the block's keys (a core
        lives for one block)."""
        packed = self._key_bytes.get(key)
        if packed is None:
            packed = self._key_bytes[key] = key_bytes(key)
        return packed

    @staticmethod
    def _found(status: int, version: Any, value: Any) -> tuple[ReadResult, Version | None, int]:
        if status == lib.PV_READ_NONE:
            return ReadResult.NONE, None, 0
        return _RESULTS[_check(status, "read")], (version.tx, version.incarnation), _int(value)

    def finish_incarnation(
        self, tx: int, incarnation: int, reads: Sequence[Read], writes: Sequence[Write]
    ) -> bool:
        """Publishes an incarnation's read and write sets; True if it wrote a key that the
        previous incarnation did not (then the higher transactions must be validated again).
        A NONE read's value is the pre-state value its reader used; no read here is exact."""
        packed, read, write = self._packed, _READ.pack, _WRITE.pack
        try:
            packed_reads = b"".join(
                [read(packed(key), result, 0, *(version or (0, 0)), value.to_bytes(32, "big")) for key, result, version, value in reads]
            )
            records = [write(packed(key), _FLAGS[is_delta], value.to_bytes(32, "big")) for key, value, is_delta in writes]
        except (OverflowError, struct.error) as error:
            raise NativeError(f"cannot pass to the core: {error}") from None
        return self._finish(tx, incarnation, ffi.from_buffer("pv_read[]", packed_reads), len(reads), records)

    def publish(self, tx: int, incarnation: int, reads: int, writes: list[bytes]) -> bool:
        """finish_incarnation of what a worker holds: the first `reads` reads staged by
        read_or_wait, and the write set as records (WRITE_RECORD) packed from its layer's
        tables (OverlayAccountDB.write_records). Neither crosses as tuples: packing those
        was most of the cost of publishing a transfer."""
        return self._finish(tx, incarnation, self._staged, reads, writes)

    def _finish(self, tx: int, incarnation: int, reads: Any, n_reads: int, writes: list[bytes]) -> bool:
        status = lib.pv_incarnation_finish(
            self._core, tx, incarnation, reads, n_reads, ffi.from_buffer("pv_write[]", b"".join(writes)), len(writes), self._flag
        )
        _check(status, "finish_incarnation")
        return bool(self._flag[0])

    def mark_estimates(self, tx: int) -> None:
        """Marks tx's writes ESTIMATE after its incarnation was aborted."""
        _check(lib.pv_mv_mark_estimates(self._core, tx), "mark_estimates")

    def validate(self, tx: int) -> bool:
        """Whether every read of tx's last incarnation would read the same now."""
        return bool(_check(lib.pv_validate(self._core, tx), "validate"))

    def tx_writes(self, tx: int) -> list[Write]:
        """tx's current write set, in the order it was published (for the ordered commit)."""
        return [
            (key_from_bytes(key), int.from_bytes(value, "big"), flag == lib.PV_DELTA)
            for key, flag, value in self._fetch("_writes", _WRITE, lib.pv_tx_writes, tx)
        ]

    def tx_reads(self, tx: int) -> list[Read]:
        """tx's current read set (for statistics and analysis; whether a read is exact is left out)."""
        return [
            (
                key_from_bytes(key),
                _RESULTS[result],
                None if result == lib.PV_READ_NONE else (version_tx, incarnation),
                int.from_bytes(value, "big"),
            )
            for key, result, _, version_tx, incarnation, value in self._fetch("_reads", _READ, lib.pv_tx_reads, tx)
        ]

    # Code arena

    def code_put(self, code_hash: bytes, code: bytes) -> None:
        """Stores code under its hash; storing a hash again is a no-op."""
        _check(lib.pv_code_put(self._core, _hash32(code_hash), code, len(code)), "code_put")

    def code_get(self, code_hash: bytes) -> bytes | None:
        """The code stored under code_hash, or None."""
        while True:
            cap = len(self._code)
            status = lib.pv_code_get(self._core, _hash32(code_hash), self._code, cap, self._count)
            if status == lib.PV_ENOTFOUND:
                return None
            if status != lib.PV_ETOOSMALL:
                _check(status, "code_get")
                return bytes(ffi.buffer(self._code, self._count[0]))
            self._code = ffi.new("uint8_t[]", self._count[0])

    # Scheduler

    def next_task(self) -> Task:
        """The next task; kind NONE means "nothing now, ask again", DONE ends the worker."""
        _check(lib.pv_sched_next_task(self._core, self._task), "next_task")
        return _task(self._task)

    def execute_first(self, txs: Sequence[int]) -> None:
        """Hands out these transactions' first incarnations before the in-order sweep, in this
        order (at most FIRST_MAX, before any task is taken: see pv_sched_execute_first)."""
        _check(lib.pv_sched_execute_first(self._core, list(txs), len(txs)), "execute_first")

    def add_dependency(self, tx: int, blocking: int) -> bool:
        """tx read an ESTIMATE of blocking: True if tx now waits (drop the task), False if
        blocking has executed meanwhile (execute tx again at once)."""
        return bool(_check(lib.pv_sched_add_dependency(self._core, tx, blocking), "add_dependency"))

    def finish_execution(self, tx: int, incarnation: int, wrote_new_key: bool) -> Task | None:
        """Ends an execution task; may hand back the validation of tx."""
        status = lib.pv_sched_finish_execution(self._core, tx, incarnation, wrote_new_key, self._task)
        _check(status, "finish_execution")
        return _follow_up(self._task)

    def try_validation_abort(self, tx: int, incarnation: int) -> bool:
        """True if this caller aborts the incarnation (then mark_estimates, finish_validation)."""
        return bool(_check(lib.pv_sched_try_validation_abort(self._core, tx, incarnation), "try_validation_abort"))

    def finish_validation(self, tx: int, aborted: bool) -> Task | None:
        """Ends a validation task; after an abort, may hand back the re-execution of tx."""
        _check(lib.pv_sched_finish_validation(self._core, tx, aborted, self._task), "finish_validation")
        return _follow_up(self._task)

    def try_commit(self, tx: int) -> int | None:
        """The ordered commit's step for tx, the lowest transaction not yet committed: the
        incarnation that is now final, or None (not yet: see pv_sched_try_commit)."""
        if _check(lib.pv_sched_try_commit(self._core, tx, self._incarnation), "try_commit"):
            return int(self._incarnation[0])
        return None

    def executing(self, tx: int) -> bool:
        """True while an incarnation of tx is executing."""
        return bool(_check(lib.pv_sched_executing(self._core, tx), "executing"))

    def done(self) -> bool:
        """True once every transaction has executed and validated."""
        return bool(_check(lib.pv_sched_done(self._core), "done"))

    def stats(self) -> dict[str, int]:
        """Scheduler and memory counters, summed over all processes."""
        stats = ffi.new("pv_stats *")
        _check(lib.pv_stats_get(self._core, stats), "stats")
        return {name: getattr(stats, name) for name, _ in ffi.typeof("pv_stats").fields}

    def _fetch(self, name: str, record: struct.Struct, function: Any, tx: int) -> Iterator[tuple[Any, ...]]:
        """function(core, tx, buf, cap, &count) into the reusable buffer attribute `name`,
        grown until the set fits; the records unpacked."""
        while True:
            buf = getattr(self, name)
            status = function(self._core, tx, buf, len(buf), self._count)
            if status != lib.PV_ETOOSMALL:
                _check(status, function.__name__)
                return record.iter_unpack(ffi.buffer(buf, self._count[0] * record.size))
            setattr(self, name, ffi.new(ffi.typeof(buf), self._count[0]))


def _hash32(code_hash: bytes) -> bytes:
    if len(code_hash) != 32:
        raise NativeError(f"code hash must be 32 bytes, got {len(code_hash)}")
    return code_hash
