"""Which executor a run uses: the parallel engine (default), the sequential reference, or
plain py-evm for comparison."""

import functools
from dataclasses import dataclass
from typing import Any

from .parallel import ParallelExecutor
from .sequential import PyEvmExecutor, SequentialExecutor


@dataclass(frozen=True)
class Mode:
    """'parallel', 'sequential' or 'py-evm', with the parallel engine's settings."""

    name: str = "parallel"
    workers: int | None = None
    force_parallel: bool = False
    keys: bool = False  # keep each transaction's read and write keys in the stats


@functools.cache
def executor_for(mode: Mode) -> Any:
    """One executor per process and mode (cached, so worker pools reuse it per task)."""
    if mode.name == "py-evm":
        return PyEvmExecutor()
    if mode.name == "sequential":
        return SequentialExecutor()
    return ParallelExecutor(workers=mode.workers, force=mode.force_parallel, keys=mode.keys)
