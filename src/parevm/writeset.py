"""Applying a write set (native core records) to anything with py-evm's account setters."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from eth.constants import EMPTY_SHA3
from eth_typing import Address

from .core import Write
from .native import Kind


def apply_writes(state: Any, writes: Sequence[Write], code_of: Callable[[bytes], bytes | None]) -> None:
    """One transaction's writes, per account: wipe first, then fields, then storage, then
    deletion (a deleted account's fields were all written as zero, so the order is safe)."""
    by_account: dict[bytes, list[Write]] = defaultdict(list)
    for write in writes:
        by_account[write[0][0]].append(write)
    for raw_address, account_writes in by_account.items():
        address = Address(raw_address)
        kinds = {key[1]: (key, value, delta) for key, value, delta in account_writes}
        if Kind.STORAGE_WIPE in kinds:
            state.delete_storage(address)
        for (_, kind, slot), value, delta in account_writes:
            if kind == Kind.BALANCE:
                if delta:
                    state.delta_balance(address, value)
                else:
                    state.set_balance(address, value)
            elif kind == Kind.NONCE:
                state.set_nonce(address, value)
            elif kind == Kind.CODE_HASH:
                _set_code(state, address, value.to_bytes(32, "big"), code_of)
            elif kind == Kind.STORAGE:
                state.set_storage(address, slot, value)
        existence = kinds.get(Kind.EXISTENCE)
        if existence is not None:
            if existence[1]:
                state.touch_account(address)
            else:
                state.delete_account(address)


def _set_code(
    state: Any, address: Address, code_hash: bytes, code_of: Callable[[bytes], bytes | None]
) -> None:
    if code_hash == EMPTY_SHA3:
        state.delete_code(address)
    elif state.get_code_hash(address) != code_hash:
        code = code_of(code_hash)
        if code is None:
            raise LookupError(f"no code with hash 0x{code_hash.hex()} for 0x{address.hex()}")
        state.set_code(address, code)
