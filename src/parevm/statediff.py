"""The post-state diff: what a block changed, from the accounts and slots it wrote."""

from collections.abc import Mapping

from eth.abc import StateAPI
from eth_typing import Address

from .blockinput import Account
from .result import AccountChange

_ABSENT = Account()


def state_diff(state: StateAPI, pre_state: Mapping[bytes, Account]) -> dict[bytes, AccountChange]:
    """Every account whose existence, balance, nonce, code or storage differs from the pre-state.

    Candidates are the accounts and slots the block's layer of writes holds (a write may
    still compare equal), plus the pre-state slots of accounts whose storage was wiped. Taken
    after persist, which has moved every write into that layer.
    """
    written = state._account_db.committed  # type: ignore[attr-defined]
    slots_by_address: dict[bytes, set[int]] = {}
    for address, slot in written.slots:
        slots_by_address.setdefault(address, set()).add(slot)
    for address, name in written.fields:
        if name == "wiped":
            slots_by_address.setdefault(address, set()).update(pre_state.get(address, _ABSENT).storage)
    diff = {}
    for address in sorted({address for address, _ in written.fields} | slots_by_address.keys()):
        change = _account_change(state, Address(address), pre_state.get(address), slots_by_address)
        if change is not None:
            diff[address] = change
    return diff


def _account_change(
    state: StateAPI,
    address: Address,
    pre: Account | None,
    slots_by_address: Mapping[bytes, set[int]],
) -> AccountChange | None:
    # Every pre-state account existed, an empty one too (it is in the pre-state's trie).
    existed = pre is not None
    before = pre if existed else _ABSENT
    if not state.account_exists(address):
        return AccountChange(exists=False) if existed else None
    balance = state.get_balance(address)
    nonce = state.get_nonce(address)
    code = state.get_code(address)
    storage = {}
    for slot in slots_by_address.get(address, ()):
        value = state.get_storage(address, slot)
        if value != before.storage.get(slot, 0):
            storage[slot] = value
    change = AccountChange(
        exists=True,
        balance=balance if balance != before.balance or not existed else None,
        nonce=nonce if nonce != before.nonce or not existed else None,
        code=code if code != before.code or not existed else None,
        storage=storage,
    )
    if existed and change == AccountChange(exists=True):
        return None
    return change
