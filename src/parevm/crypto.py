"""Selects the fast crypto backends so users get them without setting environment variables.

eth-hash prefers pycryptodome when both are installed; safe-pysha3's keccak is several times
faster, and py-evm hashes on every trie node and storage key. eth-keys already prefers coincurve
when it is importable; we check that it does. py-evm's KZG point-evaluation precompile reads
its trusted setup from disk on every call (about 3 s here); it is loaded once per process,
and only by a process that meets the precompile. Its alt_bn128 precompiles are pure Python;
bn254.py moves their arithmetic to native code. It recovers a legacy transaction's signer twice
and verifies its signature once more; senders.py recovers it once.
"""

import functools

from eth.precompiles import point_evaluation
from eth.vm.forks.frontier import transactions as frontier_transactions
from eth_hash.auto import keccak as _auto_keccak
from eth_hash.backends import pysha3
from eth_keys.backends import get_default_backend_class

from .bn254 import ecpairing, use_native_bn254
from .senders import use_single_recovery


def select_fast_backends() -> None:
    """Point eth-hash's shared keccak at pysha3, cache the KZG setup, compute the alt_bn128
    precompiles natively and recover each signature once (idempotent)."""
    backend = pysha3.backend
    _auto_keccak._backend = backend
    _auto_keccak.hasher = backend.keccak256
    _auto_keccak.preimage = backend.preimage
    if not hasattr(point_evaluation.load_trusted_setup, "cache_info"):
        # read-only once loaded, so one setup serves every call (and every forked worker)
        point_evaluation.load_trusted_setup = functools.cache(point_evaluation.load_trusted_setup)
    use_native_bn254()
    use_single_recovery()


class KzgSetupNeeded(Exception):
    """A parallel worker met the point-evaluation precompile before its process had the KZG
    setup. The parent loads it and re-runs the block, so that it is loaded once per process,
    as in sequential, rather than once per worker, and never for blocks that do not use it."""


def load_kzg_setup() -> None:
    """Load the KZG setup now, so that processes forked from this one (the parallel engine's
    workers) inherit it instead of each reading it."""
    point_evaluation.load_trusted_setup(point_evaluation.TRUSTED_SETUP_PATH, 0)


def kzg_setup_loaded() -> bool:
    """Whether this process holds the KZG setup; True where the loader is not our cached one
    (then it is not ours to tell, and nothing is refused or loaded ahead)."""
    cache_info = getattr(point_evaluation.load_trusted_setup, "cache_info", None)
    return cache_info is None or cache_info().currsize > 0


def refuse_kzg_loading() -> None:
    """In a forked worker whose parent had no KZG setup: the precompile raises KzgSetupNeeded
    rather than loading it here (a worker's copy dies with the block)."""
    if not kzg_setup_loaded():
        point_evaluation.load_trusted_setup = _setup_needed


def _setup_needed(*_: object) -> None:
    raise KzgSetupNeeded


def backends_in_use() -> dict[str, str]:
    """What hashes and recovers signatures right now, for reports and tests."""
    hasher = getattr(_auto_keccak.hasher, "__self__", _auto_keccak.hasher)
    return {
        "keccak": type(hasher).__module__,
        "ecdsa": get_default_backend_class(),
        "alt_bn128": ecpairing._ecpairing.__module__,
        "senders": frontier_transactions.extract_transaction_sender.__module__,
    }
