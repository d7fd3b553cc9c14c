"""The reference executors: transactions one after another on a single py-evm state."""

from collections.abc import Sequence
from typing import Any

from eth.abc import (
    BlockHeaderAPI,
    ComputationAPI,
    ReceiptAPI,
    SignedTransactionAPI,
    VirtualMachineAPI,
)

from .forks import VMClass
from .outcome import Outcome
from .vm import parevm_vm_class, plain_vm_class

Executed = tuple[BlockHeaderAPI, tuple[ReceiptAPI, ...], tuple[ComputationAPI | Outcome, ...]]
"""An executor's answer for a block: header, receipts, and per transaction py-evm's
computation (sequential) or the engine's Outcome, which reads like one."""


class InterimHeader:
    """The base header with the running totals the next transaction is checked and receipted
    against. py-evm copies the whole header per transaction for these (and its blob gas
    step still does, through `copy`, which here updates in place): that costs more than
    building the receipt."""

    def __init__(self, header: BlockHeaderAPI) -> None:
        self.header = header
        self.changes: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        changes = self.__dict__["changes"]
        return changes[name] if name in changes else getattr(self.__dict__["header"], name)

    def copy(self, **changes: Any) -> "InterimHeader":
        self.changes.update(changes)
        return self

    def result(self) -> BlockHeaderAPI:
        return self.header.copy(**self.changes)


class Receipts:
    """The block's receipts so far and the interim header the next transaction sees.

    The header carries the cumulative gas (and blob gas); the bloom is folded once at the
    end. py-evm's add_receipt_to_header also computes the state root after every transaction
    only to put it in this interim header: the root is needed per transaction only in
    pre-Byzantium receipts, which make_receipt computes itself, and once at the end.
    """

    def __init__(self, base_header: BlockHeaderAPI) -> None:
        self.header: Any = InterimHeader(base_header)
        self.bloom = base_header.bloom
        self.receipts: list[ReceiptAPI] = []

    def add(self, vm: VirtualMachineAPI, transaction: SignedTransactionAPI, receipt: ReceiptAPI) -> None:
        self.bloom |= receipt.bloom
        self.header = vm.increment_blob_gas_used(self.header.copy(gas_used=receipt.gas_used), transaction)
        self.receipts.append(receipt)

    def result(self) -> tuple[BlockHeaderAPI, tuple[ReceiptAPI, ...]]:
        return self.header.copy(bloom=self.bloom).result(), tuple(self.receipts)


class ParevmExecutor:
    """What parevm's executors share: py-evm's fork VMs on parevm's state, their blocks'
    transactions run by the subclass's `execute(vm, transactions, base_header) -> Executed`
    (the drop-in point for py-evm chains)."""

    mode = ""

    def vm_class(self, base: VMClass) -> VMClass:
        return parevm_vm_class(base, self.execute)


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
    """Plain py-evm: the VM's own apply_all_transactions, untouched (the benchmark baseline)."""

    mode = "py-evm"

    def vm_class(self, base: VMClass) -> VMClass:
        return plain_vm_class(base)
