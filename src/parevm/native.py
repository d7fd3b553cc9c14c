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


Key = tuple[bytes, Kind, int | None]
"""(address (20 bytes), kind, storage slot or None)."""

_KINDS = tuple(sorted(Kind))
NO_SLOT = bytes(32)
_STORAGE = int(Kind.STORAGE)  # a plain int compares faster than the enum member


def key_bytes(key: Key) -> bytes:
    """key laid out as a pv_key, by the rules of pv_key_make (only storage keys have a slot)."""
    address, kind, slot = key
    if len(address) != 20 or not 0 <= kind < len(_KINDS) or (slot is not None and kind != _STORAGE):
        raise NativeError(f"invalid key: {key!r}")
    try:
        return address + bytes((kind,)) + (NO_SLOT if slot is None else slot.to_bytes(32, "big"))
    except OverflowError:
        raise NativeError(f"slot out of range: {key!r}") from None


def key_from_bytes(raw: bytes) -> Key:
    kind = raw[20]
    return raw[:20], _KINDS[kind], int.from_bytes(raw[21:], "big") if kind == _STORAGE else None


def key_hash(address: bytes, kind: Kind, slot: int | None = None) -> int:
    """The 64-bit table hash of (address, kind, slot) as the core computes it."""
    return lib.pv_key_hash(ffi.from_buffer("pv_key *", key_bytes((address, kind, slot))))
