"""`parevm bench`: plain py-evm, parevm sequential and the parallel engine on the same blocks.

Per block, the modes run alternately (the order rotated each repeat) so drift on a shared
machine hits them alike; the median of the repeats counts. Every run must pass the block's
checks, and every parallel result must equal the first sequential one. A run's time is the
whole replay (pre-state, system calls, transactions, roots) less the post-state diff, which
plain py-evm does not compute; every run recovers the senders, as a replay of a freshly loaded
block does (py-evm caches them on the transaction objects). The block's bound comes from one
extra, untimed run that analyzes it (see analysis); it limits the transaction phase, which
`execute_seconds` times.
For each worker count above 1 the rotation also times that many copies of the sequential
replay at once (see copies): the ceiling this machine puts on that many workers.
"""

import gc
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .analysis import Limits, analyze_block
from .blockinput import BlockInput
from .copies import slowest_copy_seconds
from .errors import ParevmError
from .loaded import AsLoaded
from .modes import Mode, engine_for
from .progress import Progress
from .engine import Engine
from .result import BlockResult
from .stats import ExecutionStats, worker_seconds_sum


@dataclass(frozen=True)
class Target:
    """A block to benchmark: a generated workload or a block file. `load` builds it when
    its turn comes, so a corpus is never held in memory at once (a partial of a module's
    function, so that a cluster task can carry it to where it runs)."""

    name: str
    kind: str  # "workload" or "block"
    load: Callable[[], BlockInput]


@dataclass
class Row:
    """One (target, mode, workers): the median of its runs and what it is compared with."""

    name: str
    kind: str  # "workload", "block" or "total"
    mode: str  # "py-evm", "sequential" or "parallel"
    workers: int
    txs: int
    gas: int
    seconds: float  # the median of `runs` (for a total: the sum of the blocks' medians)
    execute_seconds: float  # likewise, of the transaction phase alone
    runs: tuple[float, ...]
    reexecutions: float  # per run, the mean over the runs
    limits: Limits
    checks_ok: bool
    fallback: str | None = None
    copies_seconds: float | None = None  # parallel, workers > 1: `workers` sequential copies at once
    worker_seconds: dict[str, float] = field(default_factory=dict)  # parallel: the mean run's, summed over workers
    speedup_vs_sequential: float = 1.0
    speedup_vs_pyevm: float = 1.0
    execute_speedup: float = 1.0  # of the transaction phase, against sequential's

    @property
    def efficiency(self) -> float:
        return self.speedup_vs_sequential / self.workers

    @property
    def machine_ceiling(self) -> float | None:
        """The speedup `workers` perfectly divided copies of sequential's work reach here."""
        if self.copies_seconds is None:
            return None
        sequential_seconds = self.seconds * self.speedup_vs_sequential
        return self.workers * sequential_seconds / self.copies_seconds

    @property
    def tx_per_second(self) -> float:
        return self.txs / self.seconds

    @property
    def gas_per_second(self) -> float:
        return self.gas / self.seconds

    @property
    def reexecutions_per_tx(self) -> float:
        return self.reexecutions / self.txs if self.txs else 0.0

    @property
    def bound(self) -> float:
        return self.limits.bound

    @property
    def scheduled(self) -> float:
        return self.limits.scheduled(self.workers)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "mode": self.mode,
            "workers": self.workers,
            "txs": self.txs,
            "gas": self.gas,
            "seconds": round(self.seconds, 6),
            "runs": [round(s, 6) for s in self.runs],
            "execute_seconds": round(self.execute_seconds, 6),
            "tx_per_second": round(self.tx_per_second, 2),
            "gas_per_second": round(self.gas_per_second),
            "speedup_vs_sequential": round(self.speedup_vs_sequential, 4),
            "speedup_vs_pyevm": round(self.speedup_vs_pyevm, 4),
            "execute_speedup_vs_sequential": round(self.execute_speedup, 4),
            "efficiency": round(self.efficiency, 4),
            "copies_seconds": None if self.copies_seconds is None else round(self.copies_seconds, 6),
            "machine_ceiling": None if self.machine_ceiling is None else round(self.machine_ceiling, 4),
            "reexecutions_per_tx": round(self.reexecutions_per_tx, 4),
            "worker_seconds": {kind: round(seconds, 6) for kind, seconds in self.worker_seconds.items()},
            "work_seconds": round(self.limits.work, 6),
            "critical_path_seconds": round(self.limits.path, 6),
            "bound": round(self.bound, 4),
            "bound_at_workers": round(min(self.bound, self.workers), 4),
            "scheduled_at_workers": round(self.scheduled, 4),
            "fallback": self.fallback,
            "checks_ok": self.checks_ok,
        }


def modes(workers: Sequence[int]) -> list[tuple[str, int]]:
    return [("py-evm", 1), ("sequential", 1)] + [("parallel", w) for w in workers]


def copy_counts(workers: Sequence[int]) -> list[int]:
    """The worker counts whose machine ceiling is measured (one worker has none to share)."""
    return sorted({count for count in workers if count > 1})


def steps(targets: int, workers: Sequence[int], repeat: int) -> int:
    """Progress steps: per target, loading, analyzing and every timed run."""
    return targets * (2 + repeat * (len(modes(workers)) + len(copy_counts(workers))))


Measured = tuple[list[Row], str | None]


def bench_target(
    workers: Sequence[int], repeat: int, target: Target, progress: Progress | None = None
) -> Measured:
    """One target's rows, or why it could not be measured (also a task on a cluster)."""
    engines = {(mode, w): engine_for(Mode(mode, w)) for mode, w in modes(workers)}
    try:
        return _target(target, engines, repeat, progress), None
    except ParevmError as error:
        return [], f"{target.name}: {error}"


def collect(measured: Sequence[Measured]) -> tuple[list[Row], list[str]]:
    """Rows for every target and mode, then for block files a TOTAL per mode; and the errors
    of targets that could not be measured (the others went on)."""
    rows = [row for target_rows, _ in measured for row in target_rows]
    errors = [error for _, error in measured if error]
    blocks = [r for r in rows if r.kind == "block"]
    if blocks:
        rows.extend(_totals(blocks))
    return rows, errors


def _target(
    target: Target,
    engines: dict[tuple[str, int], Engine],
    repeat: int,
    progress: Progress | None,
) -> list[Row]:
    note = progress.advance if progress else lambda _: None
    note(f"{target.name}: loading")
    block = target.load()
    loaded = AsLoaded(block.transactions)
    analysis = analyze_block(block, target.name)
    note(f"{target.name}: analyzed")
    runs: dict[tuple[str, int], list[BlockResult]] = {key: [] for key in engines}
    copies: dict[int, list[float]] = {
        count: [] for count in copy_counts([count for mode, count in engines if mode == "parallel"])
    }
    order = list(engines) + [("copies", count) for count in copies]
    for run in range(repeat):
        for key in order[run % len(order):] + order[: run % len(order)]:
            loaded.restore()
            gc.collect()
            if key[0] == "copies":
                copies[key[1]].append(slowest_copy_seconds(engines[("sequential", 1)], block, key[1]))
            else:
                runs[key].append(engines[key].execute(block))
            note(f"{target.name}: {key[0]} {key[1]}")
    reference = runs[("sequential", 1)][0]
    analysis_ok = _same(analysis.result, reference)
    limits = analysis.limits({count for _, count in engines})
    rows = []
    for (mode, count), results in runs.items():
        stats = [r.stats for r in results if r.stats is not None]
        seconds = tuple(r.seconds - r.phases.get("diff", 0.0) for r in results)
        rows.append(Row(
            name=target.name,
            kind=target.kind,
            mode=mode,
            workers=count,
            txs=analysis.transactions,
            gas=sum(analysis.gas),
            seconds=statistics.median(seconds),
            execute_seconds=statistics.median(r.phases["execute"] for r in results),
            runs=seconds,
            reexecutions=statistics.mean(s.reexecutions for s in stats) if stats else 0.0,
            limits=limits,
            checks_ok=all(r.ok for r in results) and (
                mode == "py-evm" or (analysis_ok and all(_same(r, reference) for r in results))
            ),
            fallback=next((s.fallback for s in stats if s.fallback), None),
            copies_seconds=statistics.median(copies[count]) if mode == "parallel" and count in copies else None,
            worker_seconds=_mean_worker_seconds([s for s in stats if s.parallel]),
        ))
    _speedups(rows)
    return rows


def _same(result: BlockResult, reference: BlockResult) -> bool:
    return (result.receipts, result.state_diff, result.state_root) == (
        reference.receipts, reference.state_diff, reference.state_root
    )


def _speedups(rows: list[Row]) -> None:
    sequential = next(r for r in rows if r.mode == "sequential")
    pyevm = next(r.seconds for r in rows if r.mode == "py-evm")
    for row in rows:
        row.speedup_vs_sequential = sequential.seconds / row.seconds
        row.speedup_vs_pyevm = pyevm / row.seconds
        row.execute_speedup = sequential.execute_seconds / row.execute_seconds


def _totals(rows: list[Row]) -> list[Row]:
    """Per mode, the corpus as one: summed medians; as bound, the total work over the sum of
    the blocks' critical paths (blocks run one after another), and likewise the schedule."""
    limits = Limits.total(list({r.name: r.limits for r in rows}.values()))
    totals = []
    for mode, workers in dict.fromkeys((r.mode, r.workers) for r in rows):
        mine = [r for r in rows if (r.mode, r.workers) == (mode, workers)]
        totals.append(Row(
            name="TOTAL",
            kind="total",
            mode=mode,
            workers=workers,
            txs=sum(r.txs for r in mine),
            gas=sum(r.gas for r in mine),
            seconds=sum(r.seconds for r in mine),
            execute_seconds=sum(r.execute_seconds for r in mine),
            runs=(),
            reexecutions=sum(r.reexecutions for r in mine),
            limits=limits,
            checks_ok=all(r.checks_ok for r in mine),
            copies_seconds=_sum_or_none([r.copies_seconds for r in mine]),
            worker_seconds=worker_seconds_sum(r.worker_seconds for r in mine) if mode == "parallel" else {},
        ))
    _speedups(totals)
    return totals


def _mean_worker_seconds(stats: Sequence[ExecutionStats]) -> dict[str, float]:
    """Where the workers' time went in the mean parallel run (none: no run was parallel)."""
    if not stats:
        return {}
    total = worker_seconds_sum(s.worker_seconds for s in stats)
    return {kind: seconds / len(stats) for kind, seconds in total.items()}


def _sum_or_none(values: Sequence[float | None]) -> float | None:
    """A total's copies seconds: only where every block has them."""
    present = [value for value in values if value is not None]
    return sum(present) if len(present) == len(values) else None
