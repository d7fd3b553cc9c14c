"""A worker process's loop: take tasks from the native scheduler, execute through py-evm, validate in C.

Workers are forked after the block's state is prepared, so they read the pre-state from their
copy of it; nothing is pickled per transaction or per read. What goes back to the parent is an
outcome per finished incarnation, as a plain tuple (outcome.Sent), in batches; write and read sets
stay in the shared core.
"""

import functools
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from eth.abc import ComputationAPI, MessageAPI, SignedTransactionAPI, StateAPI, VirtualMachineAPI
from eth.constants import BLANK_ROOT_HASH
from eth.exceptions import PyEVMError
from eth.vm.forks.byzantium import ByzantiumVM
from eth.vm.logic.call import BaseCall, CallParams
from eth_typing import Address
from eth_utils import ValidationError

from .core import SPINS, CapacityError, Core, RegionLost, Task, TaskKind, pause
from .crypto import KzgSetupNeeded, refuse_kzg_loading
from .outcome import Sent, sent, sent_invalid
from .overlay import Reads
from .statedb import block_state_class
from .stats import WORKER_TIMES
from .txview import BaseReads, Blocked, TrackingAccountDB, lazy_sender


_BATCH = 64  # outcomes per message to the parent, at most
_BATCH_SECONDS = 0.05  # and at most this old: the parent's stall check sees them as progress


class _ParallelState:
    """A fork's state class running one incarnation on a TrackingAccountDB."""

    account_db_class = TrackingAccountDB
    unused_balance: Address | None = None  # the next get_balance of it is not a real read

    def set_system_contracts(self) -> None:
        """The block's own state already did this (a no-op write every incarnation would
        otherwise repeat, making each transaction depend on the one before)."""

    def get_balance(self, address: Address) -> int:
        if address == self.unused_balance:
            self.unused_balance = None
            return 0  # never looked at: see _ValuelessCallReadsNoBalance
        return super().get_balance(address)  # type: ignore[misc,no-any-return]

    def delta_balance(self, address: Address, delta: int) -> None:
        """Balance changes commute: kept as deltas, never read (see txview)."""
        coinbase = self.coinbase  # type: ignore[attr-defined]
        self._account_db.credit(address, delta, blind=address == coinbase)  # type: ignore[attr-defined]

    def validate_transaction(self, transaction: SignedTransactionAPI) -> None:
        """py-evm's checks, a lazy sender's nonce and funds assumed: the commit checks them for
        real. py-evm's executor calls this after transaction.validate()."""
        accounts: TrackingAccountDB = self._account_db  # type: ignore[attr-defined]
        if lazy_sender(self, transaction):  # the sender recovered only after py-evm's signature check
            accounts.assume_sender(transaction.sender, transaction.nonce)
        accounts.assume_funds()
        try:
            super().validate_transaction(transaction)  # type: ignore[misc]
        finally:
            accounts.funds_assumed = False


class _ParallelComputation:
    """The top-level message's funds check (value against the sender's balance) is part of
    the transaction's validity when its sender is lazy: assumed until the code starts."""

    @classmethod
    def apply_message(cls, state: StateAPI, message: MessageAPI, *args: Any, **kwargs: Any) -> ComputationAPI:
        if message.depth == 0:
            state._account_db.assume_funds()  # type: ignore[attr-defined]
        return super().apply_message(state, message, *args, **kwargs)  # type: ignore[misc]

    @classmethod
    def apply_computation(cls, state: StateAPI, message: MessageAPI, *args: Any, **kwargs: Any) -> ComputationAPI:
        if message.depth == 0:
            state._account_db.funds_assumed = False  # type: ignore[attr-defined]
        return super().apply_computation(state, message, *args, **kwargs)  # type: ignore[misc]


class _ValuelessCallReadsNoBalance:
    """py-evm's CALL-family opcodes read the caller's balance before every call, but look at
    it only when the call sends value. For a call that sends none, that read would make the
    transaction depend on every lower transaction that paid the contract (a router, say, which
    makes many calls and receives ether): here the balance is not read at all.

    Between get_call_params and that read the opcode expands memory, charges gas and asks the
    state for code, existence and warmth, never for a balance, so the state's next get_balance
    of the caller is that read; the flag is cleared however the opcode ends."""

    def get_call_params(self, computation: ComputationAPI) -> CallParams:
        params: CallParams = super().get_call_params(computation)  # type: ignore[misc]
        value, should_transfer_value = params[1], params[9]
        if not (should_transfer_value and value):
            computation.state.unused_balance = computation.msg.storage_address  # type: ignore[attr-defined]
        return params

    def __call__(self, computation: ComputationAPI) -> None:
        try:
            super().__call__(computation)  # type: ignore[misc]
        finally:
            computation.state.unused_balance = None  # type: ignore[attr-defined]


def _parallel_opcodes(opcodes: dict[int, Any]) -> dict[int, Any]:
    """The fork's opcodes, its calls as _ValuelessCallReadsNoBalance makes them."""
    return {
        value: type(type(op).__name__, (_ValuelessCallReadsNoBalance, type(op)), {})()
        if isinstance(op, BaseCall) else op
        for value, op in opcodes.items()
    }


@functools.cache
def parallel_state_class(base: type[StateAPI]) -> type[StateAPI]:
    """parevm's state (statedb.block_state_class) running an incarnation (_ParallelState,
    _ParallelComputation)."""
    block = block_state_class(base)
    computation = block.computation_class
    return type(
        f"Parallel{base.__name__}",
        (_ParallelState, block),
        {
            "computation_class": type(
                f"Parallel{base.computation_class.__name__}",
                (_ParallelComputation, computation),
                {"opcodes": _parallel_opcodes(computation.opcodes)},
            )
        },
    )


# The failures a forked worker passes on, by message kind: the parent raises the same
# exception with the same message and handles it as its own (a larger core, the KZG setup, a
# lost region); any other failure is a crash.
PASSED_ON: dict[str, type[Exception]] = {"full": CapacityError, "lost": RegionLost, "kzg": KzgSetupNeeded}
_PASSED_ON = tuple(PASSED_ON.values())


class Results(Protocol):
    """Where a worker's messages go: a pipe to the parent (frames.Outbox), or, for the
    parent's own worker, the parent itself."""

    def send(self, message: Any) -> None: ...

    def push(self) -> None:
        """Sends what an earlier send could not send yet, as far as it can now."""

    def close(self) -> None: ...


class Worker:
    """Everything a worker needs, captured in the parent before forking."""

    def __init__(
        self,
        core: Core,
        vm: VirtualMachineAPI,
        accounts: Reads,
        state_class: type[StateAPI],
        transactions: Sequence[SignedTransactionAPI],
        results: "Results",
    ) -> None:
        self.core = core
        self.accounts = accounts  # the state as the block's transactions start
        # From Byzantium on a receipt holds a status, not a state root, so the worker can
        # make its fields; the commit then only sets the cumulative gas (see Outcome.receipt).
        self.receipt_maker = type(vm) if isinstance(vm, ByzantiumVM) else None  # FastStatusReceipts
        self.transactions = transactions
        # The block's last _BATCH transactions: their outcomes go out one by one (see flush).
        self.tail = len(transactions) - _BATCH
        self.targets = [transaction.to for transaction in transactions]
        self.results = results
        self.state_class = state_class  # parallel_state_class's, made in the parent (see _run)
        self.context = vm.state.execution_context
        self.ancestors = getattr(vm.state, "ancestors", None)
        self.code_cache: dict[bytes, bytes] = {}
        self.pending: list[tuple[int, int, Sent]] = []
        self.flushed = time.monotonic()
        self.seconds = dict.fromkeys(WORKER_TIMES, 0.0)  # where this worker's time went
        # A round of a read's wait in place for a lower transaction. The parent's own worker
        # also takes in the others' messages there: one that died executing the transaction
        # waited for would otherwise be waited for forever.
        self.waiting: Callable[[int], None] = self._pause

    def run(self) -> None:
        """A forked worker's life: the Block-STM loop, then where its time went."""
        refuse_kzg_loading()
        try:
            self.loop(self._wait, _nothing)
            self.flush()
            self.results.send(("seconds", self.seconds))
        except _PASSED_ON as error:
            kind = next(kind for kind, passed in PASSED_ON.items() if isinstance(error, passed))
            self.results.send((kind, str(error)))
            raise
        except BaseException:
            self.results.send(("crash", traceback.format_exc()))
            raise
        finally:
            self.results.close()

    def loop(self, wait: Callable[[int], None], between: Callable[[], None]) -> None:
        """The Block-STM loop; ends when the scheduler says the block is done. With no task
        to take, wait(rounds so far) is called; between() after each chain of tasks (the
        parent, working as a worker, takes in the others' outcomes and commits there)."""
        idle, idle_since = 0, 0.0
        while True:
            task: Task | None = self.core.next_task()
            if idle and task.kind != TaskKind.NONE:
                self.seconds["idle"] += time.perf_counter() - idle_since
            if task.kind == TaskKind.DONE:
                return
            if task.kind == TaskKind.NONE:
                if not idle:
                    idle_since = time.perf_counter()
                wait(idle)
                idle += 1
                continue
            idle = 0
            while task is not None:  # a finished task may hand over the next one
                if task.kind == TaskKind.EXECUTE:
                    task = self.execute(task.tx, task.incarnation)
                else:
                    task = self.validate(task.tx, task.incarnation)
            between()

    def _wait(self, rounds: int) -> None:
        """Waiting on another worker. A single NONE is common (the validation sweep met a
        transaction still executing) and over at the next call: only a real wait flushes."""
        if rounds == SPINS:
            self.flush()
        self._pause(rounds)

    def _pause(self, rounds: int) -> None:
        """A round of any wait, for a task or in place: what the pipe could not take before
        goes out meanwhile."""
        self.results.push()
        pause(rounds)

    def execute(self, tx: int, incarnation: int) -> Task | None:
        begun = time.perf_counter()
        base = BaseReads(self.core, tx, self.accounts, self.code_cache, self.targets, self.waiting)
        state = self.state_class(base, self.context, BLANK_ROOT_HASH)
        state.ancestors = self.ancestors
        accounts: TrackingAccountDB = state._account_db
        started = time.perf_counter()
        try:
            transaction = self.transactions[tx]
            computation = state.apply_transaction(transaction)
            seconds = time.perf_counter() - started
            receipt = None
            if self.receipt_maker is not None:
                receipt = self.receipt_maker.make_receipt_fields(0, transaction, computation)
                self.receipt_maker.validate_receipt_fields(receipt)
            outcome = sent(computation, seconds, receipt, accounts.sender)
            writes = accounts.write_records()
        except Blocked:
            pass
        except (ValidationError, PyEVMError) as invalid:  # the transaction itself is invalid
            seconds = time.perf_counter() - started
            outcome, writes = sent_invalid(invalid, seconds, accounts.sender), []
        if base.blocked_on is not None:
            self._spent("blocked", begun, base)
            if self.core.add_dependency(tx, base.blocked_on):
                return None
            return Task(TaskKind.EXECUTE, tx, incarnation)
        for code_hash, code in accounts.codes.items():
            self.core.code_put(code_hash, code)
        wrote_new = self.core.publish(tx, incarnation, len(base.kept), writes)
        self.pending.append((tx, incarnation, outcome))
        if len(self.pending) >= _BATCH or tx >= self.tail or time.monotonic() - self.flushed >= _BATCH_SECONDS:
            self.flush()
        self._spent("reexecutions" if incarnation else "executions", begun, base)
        return self.core.finish_execution(tx, incarnation, wrote_new)

    def _spent(self, kind: str, begun: float, base: BaseReads) -> None:
        """An execution's time since `begun`, its waits in place apart."""
        self.seconds["waits"] += base.waited
        self.seconds[kind] += time.perf_counter() - begun - base.waited

    def flush(self) -> None:
        """Outcomes go to the parent in batches: one message (and one wake-up of the parent,
        which shares the cores) per batch instead of per incarnation. Not among the block's
        last transactions: there a batch would reach the parent only when the workers are
        done, and its whole commit would be left for after them (on the corpus with 2
        workers, 24 transactions a block were committed after the parent's last task, 7 ms;
        with the last ones sent one by one, 11 and 2.5 ms)."""
        if self.pending:
            self.results.send(("outcomes", self.pending))
            self.pending = []
        self.flushed = time.monotonic()

    def validate(self, tx: int, incarnation: int) -> Task | None:
        begun = time.perf_counter()
        aborted = not self.core.validate(tx) and self.core.try_validation_abort(tx, incarnation)
        if aborted:
            self.core.mark_estimates(tx)
        self.seconds["validations"] += time.perf_counter() - begun
        return self.core.finish_validation(tx, aborted)


def _nothing() -> None:
    """A forked worker has nothing to do between tasks: its outcomes go in batches."""
