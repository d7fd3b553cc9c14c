"""The layered block state and its native state root against py-evm's own AccountDB and trie."""

from pathlib import Path

import pytest
import rlp
from eth.db.account import AccountDB
from eth.constants import BLANK_ROOT_HASH
from eth_utils import keccak
from hypothesis import example, given, settings
from hypothesis import strategies as st

from parevm.blockinput import Account
from parevm.blockstate import BlockAccountDB
from parevm.fixtures import find_fixture_files, load_fixture_file
from parevm.overlay import OverlayAccountDB
from parevm.prestate import FlatPreState, _encode
from parevm.trie import encode_int
from parevm.statedb import build_state_db

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "data" / "fixtures"

ADDRESSES = [bytes([n]) * 20 for n in range(1, 6)]
words = st.integers(0, 2**256 - 1)
small = st.integers(0, 3)  # few distinct values, so writes collide and zeroes appear


@given(st.integers(0, 2**64 - 1), words)
def test_hand_rlp_is_pyrlp(nonce, balance):
    assert encode_int(balance) == rlp.encode(balance)
    assert _encode(nonce, balance, b"\x01" * 32, b"\x02" * 32) == rlp.encode([nonce, balance, b"\x01" * 32, b"\x02" * 32])


pre_states = st.dictionaries(
    st.sampled_from(ADDRESSES[:3]),
    st.builds(
        Account,
        balance=small,
        nonce=small,
        code=st.sampled_from([b"", b"\x60\x00"]),
        storage=st.dictionaries(small, small, max_size=3),
    ),
    max_size=3,
)


def _stored_in_contracts(ops: list[tuple]) -> list[tuple]:
    """SSTORE runs in its own contract, which exists: each slot write follows a touch of its
    account. (An account given storage but never created is a state no transaction can make;
    py-evm keeps it in the trie, as an empty account, once its storage is cleared after a root.)"""
    return [step for op in ops for step in ([("touch_account", op[1]), op] if op[0] == "set_storage" else [op])]


operations = st.lists(
    st.one_of(
        st.tuples(st.just("set_balance"), st.sampled_from(ADDRESSES), small),
        st.tuples(st.just("set_nonce"), st.sampled_from(ADDRESSES), small),
        st.tuples(st.just("set_storage"), st.sampled_from(ADDRESSES), small, small),
        st.tuples(st.just("set_code"), st.sampled_from(ADDRESSES), st.sampled_from([b"", b"\x60\x01"])),
        st.tuples(st.just("delete_storage"), st.sampled_from(ADDRESSES)),
        st.tuples(st.just("delete_account"), st.sampled_from(ADDRESSES)),
        st.tuples(st.just("touch_account"), st.sampled_from(ADDRESSES)),
        st.tuples(st.just("lock_changes")),
    ),
    max_size=12,
).map(_stored_in_contracts)


@settings(max_examples=300, deadline=None)
@given(pre_states, operations)
def test_block_state_reads_and_root_equal_py_evm(pre_state, ops):
    """The same writes on the layered state (flat pre-state, native root) and on py-evm's
    AccountDB over a trie of the same pre-state: every read and the root agree."""
    db, root = build_state_db(pre_state)
    ours, theirs = BlockAccountDB(FlatPreState(pre_state)), AccountDB(db, root)
    for name, *args in ops:
        getattr(ours, name)(*args)
        getattr(theirs, name)(*args)
        for address in ADDRESSES:
            assert ours.account_exists(address) == theirs.account_exists(address)
            assert ours.get_balance(address) == theirs.get_balance(address)
            assert ours.get_nonce(address) == theirs.get_nonce(address)
            assert ours.get_code(address) == theirs.get_code(address)
            for slot in range(4):
                assert ours.get_storage(address, slot) == theirs.get_storage(address, slot)
    assert ours.make_state_root() == theirs.make_state_root()


@settings(max_examples=300, deadline=None)
@given(pre_states, st.lists(st.one_of(operations, st.just([("make_state_root",)])), max_size=4))
def test_roots_between_writes_equal_py_evm(pre_state, batches):
    """Roots taken between writes, as pre-Byzantium receipts take them after every
    transaction: the flat root recomputes only the accounts written since the last one."""
    db, root = build_state_db(pre_state)
    ours, theirs = BlockAccountDB(FlatPreState(pre_state)), AccountDB(db, root)
    for name, *args in [op for batch in batches for op in batch] + [("make_state_root",)]:
        assert getattr(ours, name)(*args) == getattr(theirs, name)(*args)


@settings(max_examples=300, deadline=None)
@given(pre_states, st.lists(st.one_of(operations, st.just([("prepare_root",)]), st.just([("make_state_root",)])), max_size=5))
@example(  # a leaf computed ahead, then its account written again before the root
    {ADDRESSES[0]: Account(balance=1)},
    [[("set_balance", ADDRESSES[0], 2)], [("prepare_root",)], [("set_balance", ADDRESSES[0], 3)]],
)
@example(  # a slot set and cleared again across a root, in an account the block created
    {},
    [_stored_in_contracts([("set_storage", ADDRESSES[0], 0, 1)]), [("make_state_root",)],
     _stored_in_contracts([("set_storage", ADDRESSES[0], 0, 0)])],
)
def test_roots_with_leaves_computed_ahead_equal_py_evm(pre_state, batches):
    """Leaves computed ahead of the root between writes (the parallel engine's parent does it
    between outcomes), then more writes, locks and roots: every root is py-evm's."""
    db, root = build_state_db(pre_state)
    ours, theirs = BlockAccountDB(FlatPreState(pre_state)), AccountDB(db, root)
    for name, *args in [op for batch in batches for op in batch] + [("make_state_root",)]:
        mine = getattr(ours, name)(*args)
        if name != "prepare_root":
            assert mine == getattr(theirs, name)(*args)


@settings(max_examples=300, deadline=None)
@given(pre_states, st.lists(st.one_of(operations, st.just([("prepare_root",)]), st.just([("clear",)])), max_size=5))
def test_leaves_computed_ahead_of_writes_dropped_by_a_retry_are_not_used(pre_state, batches):
    """A parallel run lost after leaves were computed ahead drops its writes (clear) and the
    block runs again: the root equals that of the same writes with nothing computed ahead."""
    ours, plain = BlockAccountDB(FlatPreState(pre_state)), BlockAccountDB(FlatPreState(pre_state))
    for name, *args in [op for batch in batches for op in batch]:
        getattr(ours, name)(*args)
        if name != "prepare_root":
            getattr(plain, name)(*args)
    assert ours.make_state_root() == plain.make_state_root()


def test_checkpoints_revert_the_layer():
    ours = BlockAccountDB(FlatPreState({ADDRESSES[0]: Account(balance=5, storage={1: 1})}))
    checkpoint = ours.record()
    ours.set_storage(ADDRESSES[0], 1, 9)
    ours.delete_account(ADDRESSES[0])
    ours.discard(checkpoint)
    assert ours.get_storage(ADDRESSES[0], 1) == 1 and ours.get_balance(ADDRESSES[0]) == 5
    assert ours.make_state_root() == build_state_db({ADDRESSES[0]: Account(balance=5, storage={1: 1})})[1]


def test_storage_before_the_transaction_is_the_committed_value():
    """SSTORE's gas asks for the value at the transaction's start (from_journal=False)."""
    ours = BlockAccountDB(FlatPreState({ADDRESSES[0]: Account(storage={1: 1})}))
    ours.set_storage(ADDRESSES[0], 1, 2)
    ours.lock_changes()
    ours.set_storage(ADDRESSES[0], 1, 3)
    assert ours.get_storage(ADDRESSES[0], 1, from_journal=False) == 2
    assert ours.get_storage(ADDRESSES[0], 1) == 3


def _accounts(state: dict) -> dict[bytes, Account]:
    return {
        address: Account(account["balance"], account["nonce"], account["code"], account["storage"])
        for address, account in state.items()
    }


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="needs ../shared/data")
def test_native_root_equals_fixture_roots():
    """Every 10th fixture file: the root of each case's genesis state and post-state, computed
    from the flat accounts, is the one its headers carry."""
    checked = 0
    for path in find_fixture_files([FIXTURES])[::10]:
        for case in load_fixture_file(path):
            fixture = case.fixture
            genesis = fixture["genesisBlockHeader"]
            root = FlatPreState(_accounts(fixture["pre"])).root(OverlayAccountDB(None))
            assert root == genesis["stateRoot"], f"{path}: {case.name}: genesis"
            headers = {b["blockHeader"]["hash"]: b["blockHeader"] for b in fixture["blocks"] if "blockHeader" in b}
            last = headers.get(fixture["lastblockhash"], genesis)
            if "postState" in fixture:
                post = FlatPreState(_accounts(fixture["postState"])).root(OverlayAccountDB(None))
                assert post == last["stateRoot"], f"{path}: {case.name}: post-state"
            checked += 1
    assert checked > 100


def test_empty_state_root():
    assert FlatPreState({}).root(OverlayAccountDB(None)) == BLANK_ROOT_HASH == keccak(b"\x80")
