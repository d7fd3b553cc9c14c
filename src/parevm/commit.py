"""The ordered commit: each transaction's final write set applied to the block's state in order,
with receipts, cumulative gas and balance deltas folded exactly as py-evm would."""

from collections.abc import Callable, Sequence

from eth.abc import BlockHeaderAPI, ReceiptAPI, SignedTransactionAPI, VirtualMachineAPI

from .core import Write
from .outcome import Outcome
from .receipts import Receipts


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
    transaction's own validity. A lazy sender's nonce and funds, which the worker assumed, are
    checked here on the committed state with py-evm's own function; the worker names the
    sender only once transaction.validate() has passed, which py-evm checks first.
    No lock_changes between transactions: nothing executes here, and py-evm locks a storage
    journal itself when it computes a root (pre-Byzantium receipts, the final persist).
    """
    receipts = Receipts(base_header)
    state = vm.state
    for index, transaction in enumerate(transactions):
        vm.validate_transaction_against_header(receipts.header, transaction)
        outcome = outcomes[index]
        if outcome.sender is not None:  # a lazy sender: what the worker assumed, checked for real
            transaction.__dict__["sender"] = outcome.sender  # py-evm's cache: not recovered again
            state.validate_transaction(transaction)
        if outcome.invalid is not None:
            raise outcome.invalid
        state._account_db.apply(writes_of(index), code_of)  # type: ignore[attr-defined]
        if outcome.receipt is None:
            receipt = vm.make_receipt(receipts.header, transaction, outcome, state)
            vm.validate_receipt(receipt)
        else:  # the worker validated it: the cumulative gas is not part of the check
            receipt = outcome.receipt_after(receipts.header.gas_used)
        receipts.add(vm, transaction, receipt)
    return receipts.result()
