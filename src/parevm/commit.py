"""The ordered commit: each transaction's final write set applied to the block's state in order,
with receipts, cumulative gas and the fee recipient's credits folded exactly as py-evm would."""

from collections import defaultdict
from collections.abc import Callable, Sequence

from eth.abc import BlockHeaderAPI, ReceiptAPI, SignedTransactionAPI, StateAPI, VirtualMachineAPI
from eth.constants import EMPTY_SHA3
from eth_typing import Address

from .core import Write
from .native import Kind
from .outcome import Outcome
from .sequential import Receipts


def commit_block(
    vm: VirtualMachineAPI,
    transactions: Sequence[SignedTransactionAPI],
    base_header: BlockHeaderAPI,
    outcomes: Sequence[Outcome],
    writes_of: Callable[[int], Sequence[Write]],
    code_of: Callable[[bytes], bytes | None],
) -> tuple[BlockHeaderAPI, tuple[ReceiptAPI, ...]]:
    """The header and receipts py-evm's block loop would produce; vm.state ends as it would.

    The checks come in py-evm's order: the block gas limit before the transaction, then the
    transaction's own validity (an incarnation that was invalid against the final state).
    No lock_changes between transactions: nothing executes here, and py-evm locks a storage
    journal itself when it computes a root (pre-Byzantium receipts, the final persist).
    """
    receipts = Receipts(base_header)
    state = vm.state
    for index, transaction in enumerate(transactions):
        vm.validate_transaction_against_header(receipts.header, transaction)
        outcome = outcomes[index]
        if outcome.invalid is not None:
            raise outcome.invalid
        apply_writes(state, writes_of(index), code_of)
        receipt = vm.make_receipt(receipts.header, transaction, outcome, state)
        vm.validate_receipt(receipt)
        receipts.add(vm, transaction, receipt)
    return receipts.result()


def apply_writes(state: StateAPI, writes: Sequence[Write], code_of: Callable[[bytes], bytes | None]) -> None:
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
    state: StateAPI, address: Address, code_hash: bytes, code_of: Callable[[bytes], bytes | None]
) -> None:
    if code_hash == EMPTY_SHA3:
        state.delete_code(address)
    elif state.get_code_hash(address) != code_hash:
        code = code_of(code_hash)
        if code is None:
            raise LookupError(f"no code with hash 0x{code_hash.hex()} for 0x{address.hex()}")
        state.set_code(address, code)
