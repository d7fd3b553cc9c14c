"""The reference executors: transactions one after another on a single py-evm state."""

from collections.abc import Sequence

from eth.abc import (
    BlockHeaderAPI,
    ComputationAPI,
    ReceiptAPI,
    SignedTransactionAPI,
    VirtualMachineAPI,
)

from .forks import VMClass
from .vm import parevm_vm_class, plain_vm_class

Executed = tuple[BlockHeaderAPI, tuple[ReceiptAPI, ...], tuple[ComputationAPI, ...]]


class ParevmExecutor:
    """What parevm's executors share: py-evm's fork VMs on parevm's state, their blocks'
    transactions run by `execute` (the drop-in point for py-evm chains)."""

    mode = ""

    def vm_class(self, base: VMClass) -> VMClass:
        return parevm_vm_class(base, self)

    def execute(
        self,
        vm: VirtualMachineAPI,
        transactions: Sequence[SignedTransactionAPI],
        base_header: BlockHeaderAPI,
    ) -> Executed:
        raise NotImplementedError


class SequentialExecutor(ParevmExecutor):
    """parevm's sequential mode: the oracle every parallel result is compared with.

    It runs each transaction as py-evm's own block loop does, on a state that also records
    what the block writes, so the result carries the post-state diff. Unlike that loop it
    does not compute the state root after every transaction only to put it in an interim
    header (py-evm's add_receipt_to_header does): the root is needed per transaction only in
    pre-Byzantium receipts, which make_receipt computes itself, and once at the end.
    """

    mode = "sequential"

    def execute(
        self,
        vm: VirtualMachineAPI,
        transactions: Sequence[SignedTransactionAPI],
        base_header: BlockHeaderAPI,
    ) -> Executed:
        header = base_header
        bloom = base_header.bloom
        receipts = []
        computations = []
        for transaction in transactions:
            receipt, computation = vm.apply_transaction(header, transaction)
            bloom |= receipt.bloom
            header = vm.increment_blob_gas_used(header.copy(gas_used=receipt.gas_used), transaction)
            receipts.append(receipt)
            computations.append(computation)
        return header.copy(bloom=bloom), tuple(receipts), tuple(computations)


class PyEvmExecutor:
    """Plain py-evm: the VM's own apply_all_transactions, untouched (the benchmark baseline)."""

    mode = "py-evm"

    def vm_class(self, base: VMClass) -> VMClass:
        return plain_vm_class(base)
