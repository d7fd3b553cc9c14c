"""Merkle-Patricia trie roots computed by the native core (native/pv_trie.c).

py-evm's HexaryTrie builds every node as Python lists, RLP-encodes and hashes it, and stores
it in a dict, once per insertion; a block's roots only need the final root hash. The core
builds the root from sorted pairs in one pass without keeping the trie, so each root here is
one call into C: the keys and values cross as two bytes objects plus two offset arrays. Roots
taken again after small changes (SplitTrie) keep one node per first nibble instead.
The roots are those of trie.HexaryTrie for the same pairs (tests/test_trie.py checks this).
"""

from array import array
from collections.abc import Callable, Iterable, Sequence
from itertools import accumulate
from operator import itemgetter

from eth_hash.auto import keccak
from rlp.codec import length_prefix

from ._native import ffi, lib
from .native import NativeError

MAX_KEY_LENGTH = 32
"""Longest key the core accepts, in bytes (PV_TRIE_MAX_KEY)."""

# uint32_t offsets: array's "I" is 32 bits on every platform CPython supports, "L" otherwise
_U32 = "I" if array("I").itemsize == 4 else "L"
_by_key = itemgetter(0)
_EMPTY_REF = b"\x80"  # an empty child, and an empty branch value: rlp(b"")


def trie_root(items: Iterable[tuple[bytes, bytes]]) -> bytes:
    """The root hash of the trie holding items (key, value), in any order.

    Keys must be distinct and at most 32 bytes, values non-empty (HexaryTrie treats setting
    an empty value as a deletion); anything else raises NativeError.
    """
    root = ffi.new("uint8_t[32]")
    _call("trie_root", items, lambda *packed: lib.pv_trie_root(*packed, root))
    return bytes(root)


def trie_node(items: Iterable[tuple[bytes, bytes]], depth: int) -> bytes:
    """The reference a branch holds for the subtrie of items (at least one, sharing their first
    `depth` nibbles): the node's encoding if under 32 bytes, else 0xa0 and its hash."""
    ref, length = ffi.new("uint8_t[33]"), ffi.new("uint8_t *")
    _call("trie_node", items, lambda *packed: lib.pv_trie_node(*packed, depth, ref, length))
    return bytes(ref[0 : length[0]])


def _call(name: str, items: Iterable[tuple[bytes, bytes]], native: Callable[..., int]) -> None:
    """Sorts the pairs and passes them to the core as two bytes objects and two offset arrays."""
    pairs = sorted(items, key=_by_key)
    if not pairs:
        keys: Sequence[bytes] = ()
        values: Sequence[bytes] = ()
    else:
        keys, values = zip(*pairs)
    try:
        key_offsets = array(_U32, accumulate(map(len, keys), initial=0))
        value_offsets = array(_U32, accumulate(map(len, values), initial=0))
    except OverflowError:
        raise NativeError(f"{name}: keys or values exceed 4 GiB in all") from None
    status = native(
        b"".join(keys),
        ffi.from_buffer("uint32_t[]", key_offsets),
        b"".join(values),
        ffi.from_buffer("uint32_t[]", value_offsets),
        len(pairs),
    )
    if status != lib.PV_OK:
        raise NativeError(f"{name}: {_diagnose(keys, values)}")


class SplitTrie:
    """A trie's root kept across changes to a few keys, as pre-Byzantium receipts need the state
    root after every transaction: the keys are split by their first nibble and a part's node
    is recomputed only when one of its keys changed. With keys in two parts or more, the root
    is a branch of the parts' nodes; otherwise the whole trie is computed (a tiny one)."""

    def __init__(self, items: Iterable[tuple[bytes, bytes]]) -> None:
        self.parts: list[dict[bytes, bytes]] = [{} for _ in range(16)]
        self.refs = [_EMPTY_REF] * 16
        self.changed = set(range(16))
        for key, value in items:
            self[key] = value

    def __setitem__(self, key: bytes, value: bytes) -> None:
        """Sets a key (non-empty, at most 32 bytes) to a non-empty value."""
        if not key:
            raise NativeError("trie: an empty key has no first nibble")
        self.parts[key[0] >> 4][key] = value
        self.changed.add(key[0] >> 4)

    def __delitem__(self, key: bytes) -> None:
        """Removes a key if present (an empty key never is)."""
        if key and self.parts[key[0] >> 4].pop(key, None) is not None:
            self.changed.add(key[0] >> 4)

    def root(self) -> bytes:
        for part in self.changed:
            items = self.parts[part]
            self.refs[part] = trie_node(items.items(), 1) if items else _EMPTY_REF
        self.changed.clear()
        if sum(ref != _EMPTY_REF for ref in self.refs) < 2:  # the root is not a branch
            return trie_root(pair for part in self.parts for pair in part.items())
        return keccak(rlp_list(b"".join(self.refs) + _EMPTY_REF))


# RLP by hand: pyrlp infers or checks the type of every item, which costs more than the roots
# themselves (tests/test_prestate.py and tests/test_receipts.py check these against rlp.encode).
def encode_int(value: int) -> bytes:
    """rlp.encode of a non-negative integer."""
    if value == 0:
        return b"\x80"
    return rlp_string(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def rlp_string(raw: bytes) -> bytes:
    """rlp.encode of a byte string."""
    if len(raw) == 1 and raw[0] < 0x80:
        return raw
    prefix: bytes = length_prefix(len(raw), 0x80)
    return prefix + raw


def rlp_list(payload: bytes) -> bytes:
    """rlp.encode of a list, given its items' encodings joined."""
    prefix: bytes = length_prefix(len(payload), 0xC0)
    return prefix + payload


def ordered_trie_root(values: Sequence[bytes]) -> bytes:
    """The root of values keyed by the RLP of their index: a block's transactions, receipts and
    withdrawals roots, as py-evm's eth.db.trie.make_trie_root_and_nodes gives them."""
    return trie_root((encode_int(index), value) for index, value in enumerate(values))


def secure_trie_root(items: Iterable[tuple[bytes, bytes]]) -> bytes:
    """The root of the trie keyed by keccak(key), as the state and storage tries are (the
    hashed keys keep the trie balanced whatever keys an attacker picks)."""
    return trie_root((keccak(key), value) for key, value in items)


def _diagnose(keys: Sequence[bytes], values: Sequence[bytes]) -> str:
    """Why the core refused sorted keys and values; the core reports only PV_EINVAL, so this
    runs only after a refusal, keeping the checks off the common path."""
    for index, (key, value) in enumerate(zip(keys, values)):
        if len(key) > MAX_KEY_LENGTH:
            return f"key {key.hex()} is {len(key)} bytes, over {MAX_KEY_LENGTH}"
        if not value:
            return f"key {key.hex()} has an empty value"
        if index and keys[index - 1] == key:
            return f"duplicate key {key.hex()}"
    return "invalid argument"
