"""The native core through parevm.core, case by case: multi-version reads, publications,
validation, the code arena, capacity errors, the scheduler's order. Random operations and
blocks run by several processes are in tests/test_core_model.py."""

import pytest

from parevm.core import FIRST_MAX, CapacityError, Core, Key, ReadResult, Task, TaskKind, Write
from parevm.native import Kind, NativeError

ADDRESS = bytes(range(20))
COINBASE = b"\xc0" * 20
WORD = 2**256


def slot(n: int) -> Key:
    return (ADDRESS, Kind.STORAGE, n)


FEE: Key = (COINBASE, Kind.BALANCE, None)


@pytest.fixture
def core():
    with Core(8, keys=16, entries=32, reads=32, code_bytes=256) as c:
        yield c


def publish(core: Core, tx: int, incarnation: int, writes: list[Write], reads=()) -> bool:
    return core.finish_incarnation(tx, incarnation, list(reads), writes)


def test_reads_see_the_highest_lower_write(core):
    assert core.read(5, slot(1)) == (ReadResult.NONE, None, 0)
    assert publish(core, 2, 0, [(slot(1), 50, False)])
    assert publish(core, 4, 1, [(slot(1), 70, False)])
    assert core.read(2, slot(1)) == (ReadResult.NONE, None, 0)  # its own write is not visible
    assert core.read(3, slot(1)) == (ReadResult.VALUE, (2, 0), 50)
    assert core.read(4, slot(1)) == (ReadResult.VALUE, (2, 0), 50)
    assert core.read(7, slot(1)) == (ReadResult.VALUE, (4, 1), 70)
    assert core.read(7, (ADDRESS, Kind.BALANCE, None))[0] == ReadResult.NONE


def test_deltas_fold_onto_the_value_below(core):
    publish(core, 1, 0, [(FEE, 3, True)])
    publish(core, 3, 0, [(FEE, 4, True)])
    assert core.read(2, FEE) == (ReadResult.DELTA, (1, 0), 3)
    assert core.read(6, FEE) == (ReadResult.DELTA, (3, 0), 7)
    publish(core, 0, 0, [(FEE, WORD - 1, False)])
    assert core.read(6, FEE) == (ReadResult.VALUE, (3, 0), 6)  # modulo 2**256


def test_estimates_name_the_transaction_to_wait_for(core):
    publish(core, 2, 0, [(slot(1), 5, False)])
    core.mark_estimates(2)
    assert core.read(3, slot(1)) == (ReadResult.ESTIMATE, (2, 0), 0)
    assert core.stats()["estimate_reads"] == 1
    publish(core, 2, 1, [(slot(1), 6, False)])
    assert core.read(3, slot(1)) == (ReadResult.VALUE, (2, 1), 6)


def test_staged_reads_are_published_as_read():
    """A worker's reads stay in the core's staged set (read_or_wait's slots) until publish: a
    slot read again keeps its last read, more reads than the set holds grow it, and what is
    published is each read as read() reports it (a NONE read with the pre-state value its reader
    put there), in slot order."""
    keys = [slot(n) for n in range(70)] + [FEE]
    with Core(8) as core:
        publish(core, 1, 0, [(slot(1), 5, False), (FEE, 3, True)])
        for n, key in enumerate(keys):
            found, _ = core.read_or_wait(4, key, n)
            assert found == core.read(4, key)
        publish(core, 2, 0, [(FEE, 4, True)])
        assert core.read_or_wait(4, FEE, len(keys) - 1)[0] == (ReadResult.DELTA, (2, 0), 7)
        core.read_pre_state(69, 3)  # past the set's first size: where it grew
        assert not core.publish(4, 0, len(keys), [])
        expected = [(key, *core.read(4, key)) for key in keys]
        expected[69] = (slot(69), ReadResult.NONE, None, 3)
        assert core.tx_reads(4) == expected
        assert core.validate(4)


def test_a_read_holds_while_its_value_does():
    """A staged NONE read keeps the pre-state value its reader used, so a lower write of that
    value leaves it valid; an exact read needs the same writer too (see BaseReads.storage)."""
    with Core(8) as core:
        for n in range(3):
            assert core.read_or_wait(4, slot(n), n)[0][0] == ReadResult.NONE
        core.read_pre_state(0, 9)
        core.read_pre_state(1, 9)
        core.read_exact(2)
        core.publish(4, 0, 3, [])
        assert core.tx_reads(4)[0] == (slot(0), ReadResult.NONE, None, 9)
        publish(core, 1, 0, [(slot(0), 9, False), (slot(1), 8, False)])
        assert not core.validate(4)  # slot 1: 8, not 9
        publish(core, 1, 1, [(slot(0), 9, False)])
        assert core.validate(4)  # slot 0: 9 written again
        publish(core, 2, 0, [(slot(2), 0, False)])
        assert not core.validate(4)  # slot 2's value is the same, but it is exact


def test_a_publication_replaces_the_previous_write_set(core):
    assert publish(core, 1, 0, [(slot(1), 1, False), (slot(2), 2, False)])
    assert publish(core, 1, 1, [(slot(2), 20, False), (FEE, 30, True)])  # FEE is new
    assert core.read(2, slot(1))[0] == ReadResult.NONE
    assert core.tx_writes(1) == [(slot(2), 20, False), (FEE, 30, True)]
    assert not publish(core, 1, 2, [(FEE, 31, True), (slot(2), 21, False)])
    assert core.tx_writes(1) == [(FEE, 31, True), (slot(2), 21, False)]
    assert not publish(core, 1, 3, [])
    assert core.tx_writes(1) == []


def test_validation_catches_a_changed_read(core):
    def record_read(tx: int, incarnation: int, key: Key) -> None:
        publish(core, tx, incarnation, [], [(key, *core.read(tx, key))])

    record_read(3, 0, slot(1))  # NONE, as if the pre-state held 0
    assert core.validate(3)
    publish(core, 1, 0, [(slot(1), 5, False)])
    assert not core.validate(3)
    record_read(3, 1, slot(1))
    assert core.validate(3)
    publish(core, 1, 1, [(slot(1), 5, False)])  # the same value, a new incarnation
    assert core.validate(3)
    publish(core, 2, 0, [(slot(1), 6, False)])  # another value from a writer above it
    assert not core.validate(3)

    publish(core, 1, 2, [(FEE, 5, True)])
    record_read(3, 2, FEE)
    publish(core, 1, 3, [(FEE, 5, True)])  # a delta is compared by value
    assert core.validate(3)
    publish(core, 1, 4, [(FEE, 6, True)])
    assert not core.validate(3)


def test_read_sets_round_trip(core):
    reads = [
        (slot(2**256 - 1), ReadResult.VALUE, (1, 2), 7),
        (FEE, ReadResult.DELTA, (0, 0), 3),
        ((ADDRESS, Kind.NONCE, None), ReadResult.NONE, None, 0),
    ]
    publish(core, 4, 0, [], reads)
    assert core.tx_reads(4) == reads
    many = [(slot(i), ReadResult.NONE, None, 0) for i in range(30)]
    with Core(2, reads=100) as big:  # more than the wrapper's first buffer
        big.finish_incarnation(1, 0, many * 3, [])
        assert big.tx_reads(1) == many * 3


def test_code_arena(core):
    code = bytes(range(100))
    assert core.code_get(b"\x01" * 32) is None
    core.code_put(b"\x01" * 32, code)
    core.code_put(b"\x01" * 32, code)  # idempotent
    assert core.code_get(b"\x01" * 32) == code
    core.code_put(b"\x02" * 32, b"")
    assert core.code_get(b"\x02" * 32) == b""
    with pytest.raises(CapacityError):
        core.code_put(b"\x03" * 32, bytes(100))
    with pytest.raises(NativeError):
        core.code_get(b"\x01" * 31)
    with Core(1, code_bytes=1 << 17) as big:  # larger than the wrapper's first buffer
        big.code_put(b"\x04" * 32, bytes(40_000))
        assert big.code_get(b"\x04" * 32) == bytes(40_000)


def test_capacity_error_leaves_the_state_unchanged():
    with Core(4, keys=2, entries=8, reads=8) as core:
        publish(core, 0, 0, [(slot(1), 1, False)])
        with pytest.raises(CapacityError):
            publish(core, 0, 1, [(slot(2), 2, False), (slot(3), 3, False)])
        assert core.tx_writes(0) == [(slot(1), 1, False)]
        assert core.read(1, slot(1)) == (ReadResult.VALUE, (0, 0), 1)
        with pytest.raises(CapacityError):
            publish(core, 1, 0, [], [(slot(1), ReadResult.NONE, None, 0)] * 9)
        assert core.tx_reads(1) == []
    assert issubclass(CapacityError, NativeError)


def test_bad_arguments_are_errors(core):
    with pytest.raises(NativeError):
        core.read(8, slot(1))  # no tx 8
    with pytest.raises(NativeError):
        core.read(0, (b"\x00" * 19, Kind.BALANCE, None))
    for _ in range(2):  # a refused key is not kept as if it were packed
        with pytest.raises(NativeError):
            core.read(0, (ADDRESS, Kind.NONCE, 1))  # only storage has a slot
    with pytest.raises(NativeError):
        publish(core, 0, 0, [(slot(1), WORD, False)])
    with pytest.raises(NativeError):
        core.finish_execution(0, 0, False)  # not executing
    with pytest.raises(NativeError):
        Core(2**28 + 1)
    core.close()
    with pytest.raises(NativeError):
        core.next_task()


def test_commit_makes_the_lowest_transaction_final_in_order(core):
    with pytest.raises(NativeError):
        core.try_commit(1)  # transaction 0 first
    assert core.try_commit(0) is None  # not executed yet
    assert core.next_task() == (TaskKind.EXECUTE, 0, 0)
    assert core.next_task() == (TaskKind.EXECUTE, 1, 0)  # 0 executing: its validation passed over
    publish(core, 1, 0, [], [(slot(1), *core.read(1, slot(1)))])
    core.finish_execution(1, 0, False)
    publish(core, 0, 0, [(slot(1), 5, False)])
    core.finish_execution(0, 0, True)
    assert core.try_commit(0) == 0
    assert not core.try_validation_abort(0, 0)  # final
    assert core.try_commit(1) is None  # its read went stale: aborted, to execute again
    task = core.next_task()
    while task.kind != TaskKind.EXECUTE:
        task = core.next_task()
    assert task == (TaskKind.EXECUTE, 1, 1)
    publish(core, 1, 1, [], [(slot(1), *core.read(1, slot(1)))])
    core.finish_execution(1, 1, False)
    assert core.try_commit(1) == 1


def test_scheduler_hands_out_tasks_lowest_first(core):
    for tx in range(8):
        assert core.next_task() == (TaskKind.EXECUTE, tx, 0)
        assert core.finish_execution(tx, 0, True) is None
        assert core.next_task() == Task(TaskKind.VALIDATE, tx, 0)
        if tx == 5:
            assert core.try_validation_abort(tx, 0)
            core.mark_estimates(tx)
            assert core.finish_validation(tx, True) == (TaskKind.EXECUTE, tx, 1)
            assert core.finish_execution(tx, 1, False) == (TaskKind.VALIDATE, tx, 1)
        assert not core.done()
        assert core.finish_validation(tx, False) is None
    assert core.next_task().kind == TaskKind.DONE
    assert core.done()
    stats = core.stats()
    assert (stats["executions"], stats["validations"], stats["failed_validations"]) == (9, 9, 1)


def test_transactions_given_first_are_handed_out_first(core):
    with pytest.raises(NativeError):
        core.execute_first([8])  # no tx 8
    with pytest.raises(NativeError):
        core.execute_first([0] * (FIRST_MAX + 1))
    core.execute_first([6, 2])
    assert [core.next_task() for _ in range(4)] == [
        (TaskKind.EXECUTE, 6, 0), (TaskKind.EXECUTE, 2, 0), (TaskKind.EXECUTE, 0, 0), (TaskKind.EXECUTE, 1, 0),
    ]
    assert core.next_task() == (TaskKind.EXECUTE, 3, 0)  # the sweep passes over 2
    with pytest.raises(NativeError):
        core.execute_first([5])  # tasks were taken
