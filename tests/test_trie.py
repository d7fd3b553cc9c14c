"""The native trie roots (parevm.trie) equal py-evm's for the same pairs."""

import random

import pytest
import rlp
from eth.db.hash_trie import HashTrie
from eth.db.trie import make_trie_root_and_nodes
from eth_utils import keccak
from hypothesis import given, settings
from hypothesis import strategies as st
from trie import HexaryTrie

from parevm.native import NativeError
from parevm.trie import SplitTrie, ordered_trie_root, secure_trie_root, trie_node, trie_root

BLANK_ROOT = bytes.fromhex("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421")
# more examples than the quick profile's: each one is cheap and the shapes are many
MANY = settings(max_examples=max(settings.default.max_examples, 200), deadline=None)


def hexary_root(pairs: dict[bytes, bytes]) -> bytes:
    trie = HexaryTrie({})
    for key, value in pairs.items():
        trie[key] = value
    return trie.root_hash


def hashed_root(pairs: dict[bytes, bytes]) -> bytes:
    """The state and storage tries' way: py-evm's HashTrie keys the HexaryTrie by keccak."""
    trie = HexaryTrie({})
    hashed = HashTrie(trie)
    for key, value in pairs.items():
        hashed[key] = value
    return trie.root_hash


class Encoded:
    """What make_trie_root_and_nodes takes: objects with encode() (transactions, receipts)."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def encode(self) -> bytes:
        return self.raw


def py_evm_ordered_root(values: list[bytes]) -> bytes:
    return make_trie_root_and_nodes(tuple(Encoded(value) for value in values))[0]


# Bytes from a few values share nibbles often, so keys are prefixes of each other and paths
# split at every depth (odd and even), exercising extensions and branch values.
_byte = st.sampled_from([0x00, 0x01, 0x10, 0x11, 0x7F, 0x80, 0xFF]) | st.integers(0, 255)
keys = st.lists(_byte, max_size=32).map(bytes)
values = st.binary(min_size=1, max_size=3) | st.binary(min_size=1, max_size=200)


@st.composite
def keys_with_prefixes(draw) -> list[bytes]:
    """Keys plus some of their prefixes (the empty key among them)."""
    base = draw(st.lists(keys, max_size=20))
    prefixes = [key[: draw(st.integers(0, len(key)))] for key in base if draw(st.booleans())]
    return base + prefixes


@st.composite
def pair_dicts(draw) -> dict[bytes, bytes]:
    return {key: draw(values) for key in draw(keys_with_prefixes())}


@MANY
@given(pair_dicts())
def test_trie_root_matches_hexary_trie(pairs):
    assert trie_root(pairs.items()) == hexary_root(pairs)


@given(pair_dicts(), st.randoms(use_true_random=False))
@settings(deadline=None)
def test_order_of_items_does_not_matter(pairs, rng):
    items = list(pairs.items())
    rng.shuffle(items)
    assert trie_root(items) == trie_root(sorted(items))


@MANY
@given(st.dictionaries(st.binary(max_size=40), values, max_size=30))
def test_secure_trie_root_matches_hash_trie(pairs):
    assert secure_trie_root(pairs.items()) == hashed_root(pairs)


@given(st.lists(values, max_size=300))
@settings(deadline=None)
def test_ordered_trie_root_matches_py_evm(items):
    # past 128 items the rlp keys are two bytes (0x81 xx) and 0 is 0x80: not in index order
    assert ordered_trie_root(items) == py_evm_ordered_root(items)


def test_known_roots():
    classic = {b"do": b"verb", b"dog": b"puppy", b"doge": b"coin", b"horse": b"stallion"}
    assert trie_root(classic.items()).hex() == (
        "5991bb8c6514148a29db676a14ac506cd2cd5775ace63c30a4fe457715e9ac84"
    )
    assert trie_root([]) == secure_trie_root([]) == ordered_trie_root([]) == BLANK_ROOT
    assert trie_root([(b"a", b"b")]) == hexary_root({b"a": b"b"})  # embedded root node
    assert trie_root([(b"", b"\x01")]) == hexary_root({b"": b"\x01"})


def test_large_values():
    """Values of tens of KB, as transactions with calldata and receipts with many logs."""
    rng = random.Random(5)
    pairs = {rng.randbytes(rng.randint(0, 32)): rng.randbytes(rng.randint(1, 3)) for _ in range(50)}
    for size in (10_001, 16_384, 65_537, 200_000):
        pairs[rng.randbytes(rng.randint(1, 32))] = rng.randbytes(size)
    assert trie_root(pairs.items()) == hexary_root(pairs)
    blobs = [rng.randbytes(rng.choice([1, 50, 20_000])) for _ in range(40)]
    assert ordered_trie_root(blobs) == py_evm_ordered_root(blobs)


def test_many_hashed_keys():
    rng = random.Random(7)
    pairs = {rng.randbytes(32): rng.randbytes(rng.randint(1, 80)) for _ in range(2000)}
    assert trie_root(pairs.items()) == hexary_root(pairs)
    assert secure_trie_root(pairs.items()) == hashed_root(pairs)


def test_long_shared_prefixes():
    """Keys equal but for the last nibble: the deepest branches (64 nibbles down)."""
    base = bytes(range(31))
    pairs = {base + bytes([0xA0 | low]): bytes([low + 1]) for low in range(16)}
    pairs.update({base + bytes([high]): b"x" * high for high in range(1, 256, 37)})
    pairs[base] = b"in the branch"
    pairs[base[:5]] = b"higher up"
    assert trie_root(pairs.items()) == hexary_root(pairs)


@pytest.mark.parametrize(
    "items,message",
    [
        ([(b"a", b"x"), (b"a", b"y")], "duplicate key 61"),
        ([(b"a", b"x"), (b"b", b"")], "key 62 has an empty value"),
        ([(bytes(33), b"x")], "33 bytes, over 32"),
    ],
)
def test_invalid_input_raises(items, message):
    with pytest.raises(NativeError, match=message):
        trie_root(items)


def test_invalid_input_in_the_other_forms():
    with pytest.raises(NativeError, match="empty value"):
        ordered_trie_root([b"tx", b""])
    with pytest.raises(NativeError, match="empty value"):
        secure_trie_root([(b"k", b"")])
    with pytest.raises(NativeError, match="duplicate"):
        secure_trie_root([(b"k", b"1"), (b"k", b"2")])


def test_ordered_keys_are_rlp_indices():
    values = [bytes([i % 255 + 1]) for i in range(130)]
    pairs = {rlp.encode(i): value for i, value in enumerate(values)}
    assert ordered_trie_root(values) == trie_root(pairs.items()) == hexary_root(pairs)
    assert secure_trie_root([(b"k", b"v")]) == trie_root([(keccak(b"k"), b"v")])


# Changes to a split trie: (key, value) sets it, (key, None) removes it; few distinct first
# bytes, so parts empty and fill again and the root switches between a branch and not.
_changes = st.lists(st.tuples(st.lists(st.sampled_from([0x00, 0x0F, 0x10, 0xF1]) | _byte, min_size=1, max_size=32).map(bytes), st.none() | values), max_size=40)


@MANY
@given(st.dictionaries(keys.filter(bool), values, max_size=20), _changes)
def test_split_trie_root_after_each_change_matches_hexary_trie(pairs, changes):
    split = SplitTrie(pairs.items())
    assert split.root() == hexary_root(pairs)
    for key, value in changes:
        if value is None:
            pairs.pop(key, None)
            del split[key]
        else:
            pairs[key] = split[key] = value
        assert split.root() == hexary_root(pairs)


def test_split_trie_of_state_sized_keys():
    """Hashed keys, as the state trie has them, changed a few at a time between roots."""
    rng = random.Random(11)
    pairs = {rng.randbytes(32): rng.randbytes(rng.randint(70, 110)) for _ in range(500)}
    split = SplitTrie(pairs.items())
    for _ in range(20):
        for key in rng.sample(sorted(pairs), 3):
            pairs[key] = split[key] = rng.randbytes(80)
        removed = rng.choice(sorted(pairs))
        del pairs[removed], split[removed]
        assert split.root() == trie_root(pairs.items()) == hexary_root(pairs)


def test_node_at_depth_zero_refers_to_the_root():
    pairs = {b"do": b"verb", b"dog": b"puppy", b"doge": b"coin", b"horse": b"stallion"}
    assert trie_node(pairs.items(), 0) == b"\xa0" + trie_root(pairs.items())
    assert trie_node([(b"a", b"b")], 0) == bytes.fromhex("c482206162")  # embedded, not hashed


def test_node_refuses_items_without_the_shared_prefix():
    with pytest.raises(NativeError, match="trie_node"):
        trie_node([(b"a", b"x"), (b"q", b"y")], 1)
    with pytest.raises(NativeError, match="trie_node"):
        trie_node([], 0)
    with pytest.raises(NativeError, match="empty key"):
        SplitTrie([(b"", b"x")])
