"""Which engine a command-line run uses: the parallel engine (default), the sequential
reference, or plain py-evm for comparison."""

import functools
from dataclasses import dataclass

from .engine import Engine
from .parallel import MIN_TXS


@dataclass(frozen=True)
class Mode:
    """'parallel', 'sequential' or 'py-evm', with the parallel engine's settings (a small
    value, so that it can travel to pool processes)."""

    name: str = "parallel"
    workers: int | None = None
    force_parallel: bool = False
    keys: bool = False  # keep each transaction's read and write keys in the stats


@functools.cache
def engine_for(mode: Mode) -> Engine:
    """One engine per process and mode (cached, so worker pools reuse it per task)."""
    min_txs = 0 if mode.force_parallel else MIN_TXS
    return Engine(mode.workers, mode=mode.name, min_txs=min_txs, keys=mode.keys)
