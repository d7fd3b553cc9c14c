"""Python face of the native core (parevm._native, built by cffi from native/)."""

from enum import IntEnum

from ._native import ffi, lib


class Kind(IntEnum):
    """Which part of an account a state key names (mirrors enum pv_kind)."""

    BALANCE = 0
    NONCE = 1
    CODE_HASH = 2
    STORAGE = 3
    STORAGE_WIPE = 4
    EXISTENCE = 5


class NativeError(ValueError):
    """The core refused an operation (it returns error codes, never crashes)."""


def _make_key(address: bytes, kind: Kind, slot: int | None):
    if len(address) != 20:
        raise NativeError(f"address must be 20 bytes, got {len(address)}")
    key = ffi.new("pv_key *")
    slot_bytes = ffi.NULL if slot is None else slot.to_bytes(32, "big")
    if lib.pv_key_make(key, address, int(kind), slot_bytes) != 0:
        raise NativeError(f"invalid key: kind {int(kind)}, slot {slot!r}")
    return key


def key_hash(address: bytes, kind: Kind, slot: int | None = None) -> int:
    """The 64-bit table hash of (address, kind, slot) as the core computes it."""
    return lib.pv_key_hash(_make_key(address, kind, slot))
