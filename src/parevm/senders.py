"""Signature checks and sender recovery as py-evm makes them, with one recovery per transaction.

py-evm checks a legacy transaction's signature in `validate()` by recovering its public key and
verifying the signature against that key, then recovers the same key again for `sender`: two
recoveries and a verification, each through eth-keys' objects. A recovery that succeeds already
proves the signature valid: the key it gives, Q = r⁻¹(sR - zG), satisfies the verification
equation for (r, s), and so for (r, n - s), the low form eth-keys' coincurve backend verifies
(that gives -R, whose x is r too). Here one recovery through coincurve, the library eth-keys
uses, answers both, and the check leaves the sender where py-evm's `sender` caches it; a
sender found there already proves the signature, so a transaction checked again (an
incarnation executed again, a block validated before it is imported) recovers nothing. Whatever
the fast path does not take (a v, r or s out of eth-keys' ranges, a recovery that fails) goes to
py-evm's own functions, which raise exactly what they raise.
"""

from typing import Any

from coincurve import PublicKey
from eth._utils import transactions as pyevm
from eth.vm.forks.berlin import transactions as berlin
from eth.vm.forks.cancun import transactions as cancun
from eth.vm.forks.frontier import transactions as frontier
from eth.vm.forks.london import transactions as london
from eth.vm.forks.prague import transactions as prague
from eth_hash.auto import keccak
from eth_keys.constants import SECPK1_N
from eth_typing import Address

_USERS = (frontier, berlin, london, cancun, prague)  # the modules that call the two by name


def recover_sender(transaction: Any) -> Address | None:
    """The sender, or None where py-evm's own functions must decide (they raise)."""
    try:
        v, r, s = transaction.y_parity, transaction.r, transaction.s
        if v not in (0, 1) or not (0 <= r < SECPK1_N and 0 <= s < SECPK1_N):
            return None
        message_hash = keccak(transaction.get_message_for_signing())
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes((v,))
        key = PublicKey.from_signature_and_message(signature, message_hash, hasher=None)
    except Exception:
        return None
    return Address(keccak(key.format(compressed=False)[1:])[12:])


def extract_transaction_sender(transaction: Any) -> Address:
    """py-evm's extract_transaction_sender."""
    sender = recover_sender(transaction)
    return pyevm.extract_transaction_sender(transaction) if sender is None else sender


def validate_transaction_signature(transaction: Any) -> None:
    """py-evm's validate_transaction_signature; a valid signature's sender is kept where the
    transaction's `sender` property caches it, so it is not recovered again."""
    if "sender" in transaction.__dict__:
        return  # recovered before, so valid
    sender = recover_sender(transaction)
    if sender is None:
        pyevm.validate_transaction_signature(transaction)
    else:
        remember_sender(transaction, sender)


def remember_sender(transaction: Any, sender: bytes) -> None:
    """Puts a sender recovered elsewhere (a worker's) where py-evm's `sender` caches it."""
    transaction.__dict__["sender"] = sender


def use_single_recovery() -> None:
    """Points py-evm's transaction classes at these two (idempotent)."""
    for module in _USERS:
        setattr(module, "extract_transaction_sender", extract_transaction_sender)
        setattr(module, "validate_transaction_signature", validate_transaction_signature)
