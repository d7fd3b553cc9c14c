"""The native core through cffi: key hashing equals an independent Python computation."""

import sys

import pytest

from parevm.native import Kind, NativeError, key_hash

MASK = 2**64 - 1


def reference_hash(address: bytes, kind: int, slot: int) -> int:
    """address | kind | slot (53 bytes, zero-padded to 56) folded in as words of 8 bytes in the
    machine's byte order, each by a multiply and a shift, then MurmurHash3's fmix64."""
    raw = address + bytes([kind]) + slot.to_bytes(32, "big") + bytes(3)
    h = 0xCBF29CE484222325
    for at in range(0, len(raw), 8):
        h = ((h ^ int.from_bytes(raw[at : at + 8], sys.byteorder)) * 0x9E3779B97F4A7C15) & MASK
        h ^= h >> 29
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & MASK
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & MASK
    return h ^ (h >> 33)


@pytest.mark.parametrize(
    "address,kind,slot",
    [
        (b"\x00" * 20, Kind.BALANCE, None),
        (bytes(range(20)), Kind.NONCE, None),
        (b"\xff" * 20, Kind.STORAGE, 2**256 - 1),
        (bytes(range(20)), Kind.STORAGE, 7),
        (bytes(range(20)), Kind.EXISTENCE, None),
    ],
)
def test_hash_matches_reference(address, kind, slot):
    assert key_hash(address, kind, slot) == reference_hash(address, int(kind), slot or 0)


def test_fields_separate_keys():
    address = bytes(range(20))
    hashes = {key_hash(address, kind) for kind in Kind if kind != Kind.STORAGE}
    hashes |= {key_hash(address, Kind.STORAGE, slot) for slot in range(100)}
    assert len(hashes) == len(Kind) - 1 + 100


def test_bad_keys_are_errors_not_crashes():
    with pytest.raises(NativeError):
        key_hash(b"\x00" * 19, Kind.BALANCE)
    with pytest.raises(NativeError):
        key_hash(b"\x00" * 20, Kind.NONCE, 5)  # only storage keys have a slot
