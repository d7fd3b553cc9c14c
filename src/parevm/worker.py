"""A worker process's loop: take tasks from the native scheduler, execute through py-evm, validate in C.

Workers are forked after the block's state is prepared, so they read the pre-state from their
copy of it; nothing is pickled per transaction or per read. What goes back to the parent is an
Outcome per finished incarnation; write and read sets stay in the shared core.
"""

import functools
import os
import traceback
from collections.abc import Sequence
from multiprocessing.connection import Connection

from eth.abc import SignedTransactionAPI, StateAPI
from eth.constants import BLANK_ROOT_HASH
from eth_typing import Address
from eth.exceptions import PyEVMError
from eth_utils import ValidationError

from .core import CapacityError, Core
from .outcome import Outcome
from .statedb import AncestorLookup
from .txview import BaseReads, Blocked, TrackingAccountDB

TASK_NONE, TASK_EXECUTE, TASK_VALIDATE, TASK_DONE = 0, 1, 2, 3


class _ParallelState:
    """A fork's state class running one incarnation on a TrackingAccountDB."""

    account_db_class = TrackingAccountDB

    def set_system_contracts(self) -> None:
        """The block's own state already did this (a no-op write every incarnation would
        otherwise repeat, making each transaction depend on the one before)."""

    def delta_balance(self, address: Address, delta: int) -> None:
        """A credit to the fee recipient commutes; a debit (it may be the sender) does not."""
        if address == self.coinbase and delta >= 0:  # type: ignore[attr-defined]
            self._account_db.credit(address, delta)  # type: ignore[attr-defined]
        else:
            super().delta_balance(address, delta)  # type: ignore[misc]

    def has_code_or_nonce(self, address: Address) -> bool:
        """With EIP-7610's storage check, as parevm's reference state makes it."""
        accounts = self._account_db  # type: ignore[attr-defined]
        return super().has_code_or_nonce(address) or not accounts.storage_is_empty(address)  # type: ignore[misc]


@functools.cache
def parallel_state_class(base: type[StateAPI]) -> type[StateAPI]:
    return type(f"Parallel{base.__name__}", (_ParallelState, AncestorLookup, base), {})


class Worker:
    """Everything a worker needs, captured in the parent before forking."""

    def __init__(
        self,
        core: Core,
        pre: StateAPI,
        fork_state_class: type[StateAPI],
        transactions: Sequence[SignedTransactionAPI],
        results: Connection,
    ) -> None:
        self.core = core
        self.pre = pre
        self.transactions = transactions
        self.results = results
        self.state_class = parallel_state_class(fork_state_class)
        self.context = pre.execution_context
        self.ancestors = getattr(pre, "ancestors", None)

    def run(self) -> None:
        """The Block-STM loop; ends when the scheduler says the block is done."""
        try:
            while True:
                kind, tx, incarnation = self.core.next_task()
                if kind == TASK_DONE:
                    break
                if kind == TASK_NONE:
                    os.sched_yield()
                    continue
                task = (kind, tx, incarnation)
                while task is not None:
                    kind, tx, incarnation = task
                    if kind == TASK_EXECUTE:
                        task = self.execute(tx, incarnation)
                    else:
                        task = self.validate(tx, incarnation)
        except CapacityError as full:
            self.results.send(("full", str(full)))
            raise
        except BaseException:
            self.results.send(("crash", traceback.format_exc()))
            raise
        finally:
            self.results.close()

    def execute(self, tx: int, incarnation: int) -> tuple[int, int, int] | None:
        base = BaseReads(self.core, tx, self.pre)
        state = self.state_class(base, self.context, BLANK_ROOT_HASH)
        state.ancestors = self.ancestors
        accounts: TrackingAccountDB = state._account_db
        try:
            outcome = Outcome.of(state.apply_transaction(self.transactions[tx]))
            writes = accounts.write_set()
        except Blocked:
            pass
        except (ValidationError, PyEVMError) as invalid:  # the transaction itself is invalid
            outcome, writes = Outcome(invalid=invalid), []
        if base.blocked_on is not None:
            if self.core.add_dependency(tx, base.blocked_on):
                return None
            return (TASK_EXECUTE, tx, incarnation)
        for code_hash, code in accounts.code.items():
            self.core.code_put(code_hash, code)
        reads = [(key, kind, version, value) for key, (kind, version, value) in base.recorded.items()]
        wrote_new = self.core.finish_incarnation(tx, incarnation, reads, writes)
        self.results.send((tx, incarnation, outcome))
        return self.core.finish_execution(tx, incarnation, wrote_new)

    def validate(self, tx: int, incarnation: int) -> tuple[int, int, int] | None:
        aborted = not self.core.validate(tx) and self.core.try_validation_abort(tx, incarnation)
        if aborted:
            self.core.mark_estimates(tx)
        return self.core.finish_validation(tx, aborted)
