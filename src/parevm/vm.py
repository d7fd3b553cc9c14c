"""parevm's VM classes: a py-evm fork VM on parevm's state, executing through an executor."""

import functools
from collections.abc import Callable, Sequence
from typing import Any

from eth.abc import (
    BlockHeaderAPI,
    ComputationAPI,
    ReceiptAPI,
    SignedTransactionAPI,
    StateAPI,
    VirtualMachineAPI,
)
from eth.constants import SYSTEM_ADDRESS
from eth.vm.base import VM
from eth.vm.forks.byzantium import ByzantiumVM
from eth_utils import ValidationError

from .datastack import run_on_own_chunk
from .forks import VMClass
from .receipts import FastReceiptChecks, FastStatusReceipts, Receipts
from .statedb import block_state_class, plain_state_class


class _SystemCallCheck:
    """EIP-7002/7251: a failing request system call makes the block invalid.

    py-evm 0.12.1b1 ignores the failure; its only use of execute_bytecode is these calls.
    """

    def execute_bytecode(self, origin: Any, *args: Any, **kwargs: Any) -> ComputationAPI:
        computation = super().execute_bytecode(origin, *args, **kwargs)  # type: ignore[misc]
        if origin == SYSTEM_ADDRESS and computation.is_error:
            raise ValidationError(f"system contract call failed: {computation.error!r}")
        return computation


def parevm_vm_class(base: VMClass, run: Callable[..., Any]) -> VMClass:
    """`base` on parevm's recording state, its blocks' transactions run by
    `run(vm, transactions, base_header) -> (header, receipts, computations)`.

    This is the drop-in: py-evm's import_block and mine_all call apply_all_transactions, and
    the state reads the chain's own database at the parent's root and persists into it.
    """

    def apply_all_transactions(self, transactions, base_header):  # type: ignore[no-untyped-def]
        if base_header.block_number != self.get_header().block_number:  # as py-evm checks
            raise ValidationError(
                f"This VM instance must only work on block #{self.get_header().block_number}, "
                f"but the target header has block #{base_header.block_number}"
            )
        header, receipts, computations = run_on_own_chunk(lambda: run(self, transactions, base_header))
        if type(self).transaction_applied_hook is not VM.transaction_applied_hook:
            _announce(self, transactions, base_header, receipts, computations)
        return header, receipts, computations

    receipts = FastStatusReceipts if issubclass(base, ByzantiumVM) else FastReceiptChecks
    return type(
        base.__name__,
        (_SystemCallCheck, receipts, base),
        {
            "_state_class": block_state_class(base.get_state_class()),
            "fork_state_class": base.get_state_class(),
            "apply_all_transactions": apply_all_transactions,
        },
    )


def _announce(
    vm: VirtualMachineAPI,
    transactions: Sequence[SignedTransactionAPI],
    base_header: BlockHeaderAPI,
    receipts: Sequence[ReceiptAPI],
    computations: Sequence[ComputationAPI],
) -> None:
    """py-evm's transaction_applied_hook, for a VM that overrides it: called once per
    transaction, in order, after the whole block ran. The header it gets holds the block's
    cumulative gas, blob gas and bloom after the transaction, but the pre-block state root:
    parevm computes no state root between transactions."""
    vm_header = vm.get_header()
    folded = Receipts(base_header)
    for index, (transaction, receipt) in enumerate(zip(transactions, receipts)):
        folded.add(vm, transaction, receipt)
        vm.transaction_applied_hook(index, transactions, vm_header, folded.interim(), computations[index], receipt)


@functools.cache
def plain_vm_class(base: VMClass) -> VMClass:
    """`base` untouched but for reading BLOCKHASH from a block input's ancestors, its block's
    transactions on a frame-stack chunk of their own as in every mode (see datastack.py)."""
    state_class: type[StateAPI] = plain_state_class(base.get_state_class())

    def apply_all_transactions(self, transactions, base_header):  # type: ignore[no-untyped-def]
        return run_on_own_chunk(lambda: base.apply_all_transactions(self, transactions, base_header))

    return type(base.__name__, (base,), {"_state_class": state_class, "apply_all_transactions": apply_all_transactions})
