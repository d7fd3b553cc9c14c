"""py-evm's alt_bn128 precompiles (ECADD 0x06, ECMUL 0x07, ECPAIRING 0x08) on native code.

py-evm computes them with py_ecc in pure Python: a pairing check of two points takes about a
second here, and mainnet blocks carry zk and rollup verifiers that make several. revm's
implementation, which Ethereum clients test against the same consensus tests, takes a few
milliseconds; pyrevm is its binding on PyPI. The arithmetic runs as a message call to the
precompile's address on an empty in-memory revm; py-evm's own precompile functions still
charge the gas, check the pairing input's length and turn a rejected input into their VMError,
so only the arithmetic moves.
"""

import importlib
import os
from collections.abc import Callable
from typing import Any

import pyrevm
from eth_utils import ValidationError
from py_ecc.optimized_bn128 import FQ

# The modules, not the functions eth.precompiles exports under the same names.
ecadd, ecmul, ecpairing = (importlib.import_module(f"eth.precompiles.{name}") for name in ("ecadd", "ecmul", "ecpairing"))
_CALLER = "0x" + "ee" * 20
_GAS = 2**62  # beyond any block: py-evm charges the real price before the arithmetic
_evm: tuple[int, pyrevm.EVM] | None = None  # this process's (a forked worker makes its own)


def _call(precompile: int, data: bytes) -> bytes:
    """The precompile's output; ValidationError where revm rejects the input, as py_ecc's
    checks raise it (a point off the curve or outside the group, a coordinate beyond the
    field); anything else revm raises is a bug here and propagates."""
    global _evm
    if _evm is None or _evm[0] != os.getpid():
        _evm = (os.getpid(), pyrevm.EVM())
    evm = _evm[1]
    address = "0x" + precompile.to_bytes(20, "big").hex()
    checkpoint = evm.snapshot()  # pyrevm keeps every call's journal entries otherwise
    try:
        return bytes(evm.message_call(_CALLER, address, calldata=bytes(data), gas=_GAS))
    except RuntimeError as error:
        if not str(error).startswith("Halt { reason: PrecompileError"):
            raise
        raise ValidationError(f"alt_bn128 input rejected: {error}") from None
    finally:
        evm.revert(checkpoint)


def _point(output: bytes) -> tuple[FQ, FQ]:
    """A point as py-evm's precompiles take it from py_ecc (they read `.n` of each)."""
    return FQ(int.from_bytes(output[:32], "big")), FQ(int.from_bytes(output[32:64], "big"))


def native_ecadd(data: bytes) -> tuple[FQ, FQ]:
    return _point(_call(6, data))


def native_ecmul(data: bytes) -> tuple[FQ, FQ]:
    return _point(_call(7, data))


def native_ecpairing(data: bytes) -> bool:
    return _call(8, data) == (1).to_bytes(32, "big")


Backend = dict[str, Callable[[bytes], Any]]
PY_ECC: Backend = {"ecadd": ecadd._ecadd, "ecmul": ecmul._ecmull, "ecpairing": ecpairing._ecpairing}
"""py-evm's own pure-Python functions, kept for the tests and the benchmark that compare."""
NATIVE: Backend = {"ecadd": native_ecadd, "ecmul": native_ecmul, "ecpairing": native_ecpairing}


def use(backend: Backend) -> None:
    """Point py-evm's precompile modules at `backend`'s functions (idempotent)."""
    ecadd._ecadd = backend["ecadd"]
    ecmul._ecmull = backend["ecmul"]
    ecpairing._ecpairing = backend["ecpairing"]


def use_native_bn254() -> None:
    use(NATIVE)
