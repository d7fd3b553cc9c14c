"""Selects the fast crypto backends so users get them without setting environment variables.

eth-hash prefers pycryptodome when both are installed; safe-pysha3's keccak is several times
faster, and py-evm hashes on every trie node and storage key. eth-keys already prefers coincurve
when it is importable; we check that it does.
"""

from eth_hash.auto import keccak as _auto_keccak
from eth_hash.backends import pysha3
from eth_keys.backends import get_default_backend_class


def select_fast_backends() -> None:
    """Point eth-hash's shared keccak at pysha3 (idempotent, safe after first use)."""
    backend = pysha3.backend
    _auto_keccak._backend = backend
    _auto_keccak.hasher = backend.keccak256
    _auto_keccak.preimage = backend.preimage


def backends_in_use() -> dict[str, str]:
    """What hashes and recovers signatures right now, for reports and tests."""
    hasher = getattr(_auto_keccak.hasher, "__self__", _auto_keccak.hasher)
    return {
        "keccak": type(hasher).__module__,
        "ecdsa": get_default_backend_class(),
    }
