"""absorb, which takes over a layer's writes table to table, against apply() of that layer's
write set, the general way it shortcuts: the same tables after any mix of writes; and the
write set a worker packs for the core, against the one it stands for."""

import pytest
from hypothesis import given, settings, strategies as st

from parevm.core import Core
from parevm.overlay import OverlayAccountDB
from parevm.txview import TrackingAccountDB

ADDRESSES = [bytes([n]) * 20 for n in range(1, 4)]


class _Nothing:
    """The Reads below: no accounts, no storage."""

    def value(self, key):
        return 0

    def storage(self, address, slot):
        return 0

    def code(self, address, code_hash):
        raise LookupError(code_hash)

    def storage_was_empty(self, address):
        return True


_address = st.sampled_from(ADDRESSES)
_write = st.one_of(
    st.tuples(st.just("set_balance"), _address, st.integers(0, 2**256 - 1)),
    st.tuples(st.just("set_nonce"), _address, st.integers(0, 3)),
    st.tuples(st.just("set_storage"), _address, st.integers(0, 3), st.integers(0, 3)),
    st.tuples(st.just("set_code"), _address, st.binary(max_size=3)),
    st.tuples(st.just("delete_code"), _address),
    st.tuples(st.just("delete_storage"), _address),
    st.tuples(st.just("delete_account"), _address),
    st.tuples(st.just("touch_account"), _address),
)
_writes = st.lists(_write, max_size=12)


def _layers(below, above, tracked):
    """A layer holding the writes `below` (tracking what is written, if asked) and a layer over
    it holding the writes `above`."""
    committed = OverlayAccountDB(_Nothing())
    for name, *args in below:
        getattr(committed, name)(*args)
    if tracked:
        committed.take_written()
    top = OverlayAccountDB(committed)
    for name, *args in above:
        getattr(top, name)(*args)
    return committed, top


@settings(max_examples=300, deadline=None)
@given(_writes, _writes, st.booleans())
def test_absorb_is_apply_of_the_write_set(below, above, tracked):
    absorbed, top = _layers(below, above, tracked)
    absorbed.absorb(top)
    applied, other = _layers(below, above, tracked)
    applied.apply(other.write_set(), other.codes.get)
    other.clear()
    for name in ("fields", "slots", "codes", "written"):
        assert getattr(absorbed, name) == getattr(applied, name), name
    assert not top.fields and not top.slots and not top.codes


@settings(max_examples=100, deadline=None)
@given(_writes, _writes)
def test_a_copy_keeps_the_writes_and_none_of_the_later_ones(below, later):
    """The parallel engine's workers read a copy of the committed layer while the commit's
    roots move writes into the layer itself."""
    layer, _ = _layers(below, [], False)
    copy = layer.copy()
    before = {name: dict(getattr(layer, name)) for name in ("fields", "slots", "codes")}
    stored = set(layer.stored)
    for name, *args in later:
        getattr(layer, name)(*args)
    assert {name: getattr(copy, name) for name in before} == before and copy.stored == stored
    assert copy.base is layer.base


def test_a_layer_with_open_checkpoints_is_not_copied():
    layer = OverlayAccountDB(_Nothing())
    layer.record()
    with pytest.raises(RuntimeError, match="checkpoints"):
        layer.copy()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_write, st.tuples(st.just("credit"), _address, st.integers(-(2**256), 2**256))), max_size=12))
def test_a_workers_write_records_are_its_write_set(writes):
    """What the core holds after a worker published its layer's records is the layer's
    write set, key by key and in order (credits as deltas modulo 2**256)."""
    layer = TrackingAccountDB(_Nothing())
    for name, *args in writes:
        getattr(layer, name)(*args)
    with Core(1) as core:
        core.publish(0, 0, 0, layer.write_records())
        assert core.tx_writes(0) == layer.write_set()
