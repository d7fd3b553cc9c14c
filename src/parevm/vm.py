"""parevm's VM classes: a py-evm fork VM on parevm's state, executing through an executor."""

import functools
from typing import Any

from eth.abc import ComputationAPI, StateAPI
from eth.constants import SYSTEM_ADDRESS
from eth_utils import ValidationError

from .forks import VMClass
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


def parevm_vm_class(base: VMClass, executor: Any) -> VMClass:
    """`base` on parevm's recording state, its blocks' transactions run by `executor`."""

    def apply_all_transactions(self, transactions, base_header):  # type: ignore[no-untyped-def]
        return executor.execute(self, transactions, base_header)

    return type(
        base.__name__,
        (_SystemCallCheck, base),
        {
            "_state_class": block_state_class(base.get_state_class()),
            "fork_state_class": base.get_state_class(),
            "apply_all_transactions": apply_all_transactions,
        },
    )


@functools.cache
def plain_vm_class(base: VMClass) -> VMClass:
    """`base` untouched but for reading BLOCKHASH from a block input's ancestors."""
    state_class: type[StateAPI] = plain_state_class(base.get_state_class())
    return type(base.__name__, (base,), {"_state_class": state_class})
