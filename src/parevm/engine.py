"""The library's front door: an Engine holds how blocks are executed and runs them.

It runs block inputs (block files, nodes, tracer cases) to BlockResults, and turns py-evm's
VM classes into drop-ins whose blocks run through it, so that a py-evm chain imports and mines
as before with its transactions executed in parallel.
"""

from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any, TypeVar, cast

from eth.abc import BlockHeaderAPI, ChainAPI, SignedTransactionAPI, VirtualMachineAPI

from .blockinput import BlockInput
from .errors import ParevmError
from .forks import VMClass
from .parallel import MIN_TXS, ParallelExecutor
from .replay import replay
from .result import BlockResult
from .sequential import Executed, PyEvmExecutor, SequentialExecutor
from .stats import ExecutionStats
from .vm import parevm_vm_class

MODES = ("parallel", "sequential", "py-evm")
ChainClass = TypeVar("ChainClass", bound=type[ChainAPI])


class EngineClosed(ParevmError):
    """A closed engine (or a VM made by it) was asked to run a block."""


class Engine:
    """How blocks are executed, and the way to run them.

    mode: "parallel" (the engine), "sequential" (the reference it is checked against), or
    "py-evm" (py-evm's own VMs untouched, for comparison; no state diff).
    workers: processes that execute a block (default: the number of cores); where no core is
    left for it, this process is one of them.
    min_txs: blocks with fewer transactions run sequentially, where forking workers costs more
    than it gains (0: every block in parallel).
    retries, fallback: a parallel run that loses a worker or fills the core is re-run up to
    `retries` times, then the block runs sequentially; with fallback=False it raises
    EngineError instead.
    stall_seconds: how long a block may make no progress before its workers are killed.
    keys: keep each transaction's read and write keys in the stats (for analysis).

    Workers are forked per block and gone when a block returns, so an engine holds no
    processes between blocks; use it as a context manager all the same: once closed, it and
    the VMs it made refuse to run blocks rather than run them on settings no longer meant.
    """

    def __init__(
        self,
        workers: int | None = None,
        *,
        mode: str = "parallel",
        min_txs: int = MIN_TXS,
        retries: int = 2,
        fallback: bool = True,
        stall_seconds: float = 300.0,
        keys: bool = False,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if workers is not None and workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        self.mode = mode
        self._executor: Any
        if mode == "py-evm":
            self._executor = PyEvmExecutor()
        elif mode == "sequential":
            self._executor = SequentialExecutor()
        else:
            self._executor = ParallelExecutor(
                workers,
                min_txs=min_txs,
                retries=retries,
                fallback=fallback,
                stall_seconds=stall_seconds,
                keys=keys,
            )
        self.closed = False

    @property
    def workers(self) -> int:
        """Processes per block (1 outside the parallel mode)."""
        return getattr(self._executor, "workers", 1)

    @property
    def stats(self) -> list[ExecutionStats]:
        """What the parallel engine did for each block run through this engine's VMs (the
        drop-in), oldest first; the caller clears it when it likes. Empty in the other modes;
        a BlockResult from `execute` carries its own."""
        return getattr(self._executor, "log", [])

    def execute(self, block: BlockInput) -> BlockResult:
        """Run one block on its pre-state: receipts, state diff, roots, checks and stats."""
        self._check_open()
        return replay(block, self._executor)

    def vm_class(self, base: VMClass) -> VMClass:
        """A drop-in for py-evm's `base`: its apply_all_transactions (and so import_block and
        mine_all) runs through this engine, on state read from the chain's own database and
        persisted back into it. In the py-evm mode, `base` itself."""
        if self.mode == "py-evm":
            return base
        return parevm_vm_class(base, self._run)

    def vm_configuration(self, configuration: Iterable[tuple[int, VMClass]]) -> tuple[tuple[int, VMClass], ...]:
        """A chain's vm_configuration with every VM made a drop-in."""
        return tuple((start, self.vm_class(vm)) for start, vm in configuration)

    def chain_class(self, chain: ChainClass) -> ChainClass:
        """`chain` configured with drop-ins for its VMs (Chain.configure, same name)."""
        return cast(ChainClass, chain.configure(vm_configuration=self.vm_configuration(chain.vm_configuration)))

    def close(self) -> None:
        """No more blocks: the last block's workers, if still exiting, are reaped."""
        self._executor.settle()
        self.closed = True

    def __enter__(self) -> "Engine":
        self._check_open()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<Engine {self.mode}, {self.workers} worker(s), {state}>"

    def _run(
        self,
        vm: VirtualMachineAPI,
        transactions: Sequence[SignedTransactionAPI],
        base_header: BlockHeaderAPI,
    ) -> Executed:
        self._check_open()
        executed: Executed = self._executor.execute(vm, transactions, base_header)
        return executed

    def _check_open(self) -> None:
        if self.closed:
            raise EngineClosed("this parevm Engine is closed; make a new one")
