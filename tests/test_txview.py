"""A worker's reads below its own writes (txview.BaseReads): what it records for validation,
which compares values, must cover everything its answers depend on."""

from parevm.core import Core, ReadResult
from parevm.native import Kind
from parevm.txview import BaseReads

CONTRACT = bytes(range(20))
SLOT = (CONTRACT, Kind.STORAGE, 0)
WIPE = (CONTRACT, Kind.STORAGE_WIPE, None)


class _PreState:
    """Below the block's transactions: the slot holds 7."""

    def value(self, key):
        return 7 if key == SLOT else 0


def _reads(core: Core, tx: int) -> BaseReads:
    return BaseReads(core, tx, _PreState(), {}, [CONTRACT] * 8)


def test_a_none_read_keeps_the_pre_state_value_it_used():
    with Core(8) as core:
        reads = _reads(core, 4)
        assert reads.storage(CONTRACT, 0) == 7
        core.publish(4, 0, len(reads.kept), [])
        assert (SLOT, ReadResult.NONE, None, 7) in core.tx_reads(4)
        core.finish_incarnation(1, 0, [], [(SLOT, 7, False)])  # 7 written again below it
        assert core.validate(4)
        core.finish_incarnation(1, 1, [], [(SLOT, 8, False)])
        assert not core.validate(4)


def test_a_slot_under_a_wipe_depends_on_which_came_later():
    """Transaction 1 sets the slot, transaction 2 wipes the account's storage: transaction 4
    reads 0. Transaction 3 then sets the slot to the same value again: every value read is
    as it was, but the slot is now newer than the wipe, so transaction 4 would read 5."""
    with Core(8) as core:
        core.finish_incarnation(1, 0, [], [(SLOT, 5, False)])
        core.finish_incarnation(2, 0, [], [(WIPE, 1, False)])
        reads = _reads(core, 4)
        assert reads.storage(CONTRACT, 0) == 0
        core.publish(4, 0, len(reads.kept), [])
        assert core.validate(4)
        core.finish_incarnation(3, 0, [], [(SLOT, 5, False)])
        assert not core.validate(4)
        assert _reads(core, 4).storage(CONTRACT, 0) == 5
