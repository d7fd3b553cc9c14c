"""`parevm bench`: plain py-evm, parevm sequential and the parallel engine on the same blocks.

Per block, the modes run alternately (the order rotated each repeat) so drift on a shared
machine hits them alike; the median of the repeats counts. Every run must pass the block's
checks, and every parallel result must equal the sequential one. The block's bound comes from
one extra, untimed run that analyzes it (see analysis).
"""

import gc
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .analysis import BlockAnalysis, analyze_block
from .blockinput import BlockInput
from .parallel import ParallelExecutor
from .progress import Progress
from .replay import replay
from .result import BlockResult
from .sequential import PyEvmExecutor, SequentialExecutor


@dataclass(frozen=True)
class Target:
    """A block to benchmark: a generated workload or a block file. `load` builds it when
    its turn comes (a corpus is never held in memory at once)."""

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
    runs: tuple[float, ...]
    reexecutions: float  # per run, the mean over the runs
    bound: float
    scheduled: float  # the ideal in-order schedule's speedup on `workers` (see depgraph)
    checks_ok: bool
    fallback: str | None = None
    speedup_vs_sequential: float = 1.0
    speedup_vs_pyevm: float = 1.0

    @property
    def efficiency(self) -> float:
        return self.speedup_vs_sequential / self.workers

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
            "tx_per_second": round(self.txs / self.seconds, 2),
            "gas_per_second": round(self.gas / self.seconds),
            "speedup_vs_sequential": round(self.speedup_vs_sequential, 4),
            "speedup_vs_pyevm": round(self.speedup_vs_pyevm, 4),
            "efficiency": round(self.efficiency, 4),
            "reexecutions_per_tx": round(self.reexecutions / self.txs, 4) if self.txs else 0.0,
            "bound": round(self.bound, 4),
            "bound_at_workers": round(min(self.bound, self.workers), 4),
            "scheduled_at_workers": round(self.scheduled, 4),
            "fallback": self.fallback,
            "checks_ok": self.checks_ok,
        }


def modes(workers: Sequence[int]) -> list[tuple[str, int]]:
    return [("py-evm", 1), ("sequential", 1)] + [("parallel", w) for w in workers]


def bench(targets: Sequence[Target], workers: Sequence[int], repeat: int, progress: Progress | None = None) -> list[Row]:
    """Rows for every target and mode, then (for more than one block) a TOTAL per mode."""
    executors = {
        ("py-evm", 1): PyEvmExecutor(),
        ("sequential", 1): SequentialExecutor(),
        **{("parallel", w): ParallelExecutor(workers=w) for w in workers},
    }
    rows: list[Row] = []
    corpus: list[BlockAnalysis] = []
    for target in targets:
        block = target.load()
        analysis = analyze_block(block, target.name)
        if progress:
            progress.advance(f"{target.name} analyzed")
        rows.extend(_measure(target, block, analysis, executors, repeat, progress))
        if target.kind == "block":
            corpus.append(analysis)
    if len(corpus) > 1:
        rows.extend(_totals([r for r in rows if r.kind == "block"], corpus))
    return rows


def _measure(
    target: Target,
    block: BlockInput,
    analysis: BlockAnalysis,
    executors: dict[tuple[str, int], Any],
    repeat: int,
    progress: Progress | None,
) -> list[Row]:
    order = list(executors)
    runs: dict[tuple[str, int], list[BlockResult]] = {key: [] for key in order}
    for run in range(repeat):
        for key in order[run % len(order):] + order[: run % len(order)]:
            gc.collect()
            runs[key].append(replay(block, executors[key]))
            if progress:
                progress.advance(f"{target.name} {key[0]} {key[1]}")
    reference = analysis.result
    rows = []
    for (mode, workers), results in runs.items():
        stats = [r.stats for r in results if r.stats is not None]
        rows.append(Row(
            name=target.name,
            kind=target.kind,
            mode=mode,
            workers=workers,
            txs=analysis.transactions,
            gas=sum(analysis.gas),
            seconds=statistics.median(r.seconds for r in results),
            runs=tuple(r.seconds for r in results),
            reexecutions=statistics.mean(s.reexecutions for s in stats) if stats else 0.0,
            bound=analysis.bound,
            scheduled=analysis.scheduled(workers),
            checks_ok=all(r.ok and (mode == "py-evm" or _same(r, reference)) for r in results),
            fallback=next((s.fallback for s in stats if s.fallback), None),
        ))
    _speedups(rows)
    return rows


def _same(result: BlockResult, reference: BlockResult) -> bool:
    return (result.receipts, result.state_diff, result.state_root) == (
        reference.receipts, reference.state_diff, reference.state_root
    )


def _speedups(rows: list[Row]) -> None:
    sequential = next(r.seconds for r in rows if r.mode == "sequential")
    pyevm = next(r.seconds for r in rows if r.mode == "py-evm")
    for row in rows:
        row.speedup_vs_sequential = sequential / row.seconds
        row.speedup_vs_pyevm = pyevm / row.seconds


def _totals(rows: list[Row], analyses: list[BlockAnalysis]) -> list[Row]:
    """Per mode, the corpus as one: summed medians; as bound, the total work over the sum of
    the blocks' critical paths (blocks run one after another), and likewise the schedule."""
    work = sum(sum(a.seconds) for a in analyses)
    path = sum(a.by_time.weight for a in analyses)
    totals = []
    for mode, workers in dict.fromkeys((r.mode, r.workers) for r in rows):
        mine = [r for r in rows if (r.mode, r.workers) == (mode, workers)]
        makespan = sum(sum(a.seconds) / a.scheduled(workers) for a in analyses)
        totals.append(Row(
            name="TOTAL",
            kind="total",
            mode=mode,
            workers=workers,
            txs=sum(r.txs for r in mine),
            gas=sum(r.gas for r in mine),
            seconds=sum(r.seconds for r in mine),
            runs=(),
            reexecutions=sum(r.reexecutions for r in mine),
            bound=work / path if path else 1.0,
            scheduled=work / makespan if makespan else 1.0,
            checks_ok=all(r.checks_ok for r in mine),
        ))
    _speedups(totals)
    return totals
