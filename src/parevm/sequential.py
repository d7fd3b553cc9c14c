"""The reference executors: transactions one after another on a single py-evm state."""

from collections.abc import Sequence

from eth.abc import (
    BlockHeaderAPI,
    ComputationAPI,
    ReceiptAPI,
    SignedTransactionAPI,
    StateAPI,
    VirtualMachineAPI,
)

from .statedb import plain_state_class, recording_state_class

Executed = tuple[BlockHeaderAPI, tuple[ReceiptAPI, ...], tuple[ComputationAPI, ...]]


class SequentialExecutor:
    """parevm's sequential mode: the oracle every parallel result is compared with.

    It runs each transaction exactly as py-evm's own block loop does, on a state that also
    records what the block writes, so the result carries the post-state diff.
    """

    mode = "sequential"

    def state_class(self, base: type[StateAPI]) -> type[StateAPI]:
        return recording_state_class(base)

    def execute(
        self,
        vm: VirtualMachineAPI,
        transactions: Sequence[SignedTransactionAPI],
        base_header: BlockHeaderAPI,
    ) -> Executed:
        header = base_header
        receipts = []
        computations = []
        for transaction in transactions:
            receipt, computation = vm.apply_transaction(header, transaction)
            header = vm.add_receipt_to_header(header, receipt)
            header = vm.increment_blob_gas_used(header, transaction)
            receipts.append(receipt)
            computations.append(computation)
        return header, tuple(receipts), tuple(computations)


class PyEvmExecutor:
    """Plain py-evm: the VM's own apply_all_transactions, untouched (the benchmark baseline)."""

    mode = "py-evm"

    def state_class(self, base: type[StateAPI]) -> type[StateAPI]:
        return plain_state_class(base)

    def execute(
        self,
        vm: VirtualMachineAPI,
        transactions: Sequence[SignedTransactionAPI],
        base_header: BlockHeaderAPI,
    ) -> Executed:
        return vm.apply_all_transactions(transactions, base_header)
