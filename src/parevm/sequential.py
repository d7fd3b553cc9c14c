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
from .outcome import Outcome
from .receipts import Receipts
from .vm import parevm_vm_class, plain_vm_class

Executed = tuple[BlockHeaderAPI, tuple[ReceiptAPI, ...], tuple[ComputationAPI | Outcome, ...]]
"""An executor's answer for a block: header, receipts, and per transaction py-evm's
computation (sequential) or the engine's Outcome, which reads like one."""


class ParevmExecutor:
    """What parevm's executors share: py-evm's fork VMs on parevm's state, their blocks'
    transactions run by the subclass's `execute(vm, transactions, base_header) -> Executed`
    (the drop-in point for py-evm chains)."""

    mode = ""

    def vm_class(self, base: VMClass) -> VMClass:
        return parevm_vm_class(base, self.execute)

    def settle(self) -> None:
        """Waits for whatever a block left running (see ParallelExecutor.settle)."""


class SequentialExecutor(ParevmExecutor):
    """parevm's sequential mode: the oracle every parallel result is compared with.

    It runs each transaction as py-evm's own block loop does (less its interim state roots,
    see Receipts), on a state that also records what the block writes, so the result carries
    the post-state diff.
    """

    mode = "sequential"

    def execute(
        self,
        vm: VirtualMachineAPI,
        transactions: Sequence[SignedTransactionAPI],
        base_header: BlockHeaderAPI,
    ) -> Executed:
        receipts = Receipts(base_header)
        computations = []
        for transaction in transactions:
            receipt, computation = vm.apply_transaction(receipts.header, transaction)
            receipts.add(vm, transaction, receipt)
            computations.append(computation)
        return *receipts.result(), tuple(computations)


class PyEvmExecutor:
    """Plain py-evm: the VM's own apply_all_transactions, untouched (the benchmark baseline;
    the crypto backends are the process's, as in every mode)."""

    mode = "py-evm"

    def vm_class(self, base: VMClass) -> VMClass:
        return plain_vm_class(base)

    def settle(self) -> None:
        """Nothing runs beside py-evm."""
