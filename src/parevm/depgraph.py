"""A block's dependency graph and the limits it puts on parallel execution.

Transaction j depends on the last earlier transaction that wrote a key j read (the caller
leaves out writes that did not change a key's value). A commutative
credit (a balance change the engine keeps as a delta) is no dependency for other credits;
a real read of its key depends on the last real write and on every credit since. The critical
path is the heaviest chain of dependencies; no schedule on any number of workers finishes
sooner, so total work / critical path bounds the speedup.
"""

import heapq
from collections.abc import Hashable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Graph:
    """dependencies[j]: the earlier transactions j depends on; carried[key]: the
    transactions that depend on another through key."""

    dependencies: tuple[frozenset[int], ...]
    carried: dict[Hashable, list[int]]

    @property
    def edges(self) -> int:
        return sum(len(d) for d in self.dependencies)

    @property
    def dependent(self) -> int:
        """Transactions that depend on at least one other."""
        return sum(1 for d in self.dependencies if d)


@dataclass(frozen=True)
class Path:
    """A chain of transactions and its total weight."""

    weight: float
    txs: tuple[int, ...]


def dependency_graph(
    reads: Sequence[Sequence[Hashable]],
    writes: Sequence[Sequence[Hashable]],
    credits: Sequence[Sequence[Hashable]] | None = None,
) -> Graph:
    """The graph of per-transaction read keys, written keys and credited keys."""
    last_writer: dict[Hashable, int] = {}
    credited_since: dict[Hashable, list[int]] = {}
    carried: dict[Hashable, list[int]] = {}
    dependencies = []
    for tx, read in enumerate(reads):
        depends: set[int] = set()
        for key in read:
            sources = credited_since.get(key, [])
            if key in last_writer:
                sources = [last_writer[key], *sources]
            if sources:
                depends.update(sources)
                carried.setdefault(key, []).append(tx)
        dependencies.append(frozenset(depends))
        for key in writes[tx]:
            last_writer[key] = tx
            credited_since.pop(key, None)
        for key in credits[tx] if credits else ():
            credited_since.setdefault(key, []).append(tx)
    return Graph(tuple(dependencies), carried)


def critical_path(graph: Graph, weights: Sequence[float]) -> Path:
    """The heaviest chain of dependencies (weights per transaction: gas, seconds)."""
    finish: list[float] = []
    previous: list[int | None] = []
    for tx, depends in enumerate(graph.dependencies):
        before = max(depends, key=finish.__getitem__, default=None)
        finish.append(weights[tx] + (finish[before] if before is not None else 0))
        previous.append(before)
    if not finish:
        return Path(0, ())
    tx: int | None = max(range(len(finish)), key=finish.__getitem__)
    chain = []
    while tx is not None:
        chain.append(tx)
        tx = previous[tx]
    return Path(max(finish), tuple(reversed(chain)))


def bound(weights: Sequence[float], path: Path) -> float:
    """Total work / critical path: the speedup no schedule of whole transactions can exceed."""
    return speedup(sum(weights), path.weight)


def scheduled_speedup(graph: Graph, weights: Sequence[float], workers: int) -> float:
    """Total work / the makespan of the graph's ideal schedule on `workers`."""
    return speedup(sum(weights), makespan(graph, weights, workers))


def speedup(work: float, elapsed: float) -> float:
    """work / elapsed, 1 for an empty block."""
    return work / elapsed if elapsed > 0 else 1.0


def makespan(graph: Graph, weights: Sequence[float], workers: int) -> float:
    """When the last transaction finishes if, whenever a worker is free, it takes the
    lowest-numbered transaction whose dependencies are done (Block-STM's priority), with
    no re-executions and no overhead: the ideal for an engine that knew the graph."""
    dependents: list[list[int]] = [[] for _ in weights]
    waiting = [len(depends) for depends in graph.dependencies]
    for tx, depends in enumerate(graph.dependencies):
        for earlier in depends:
            dependents[earlier].append(tx)
    ready = [tx for tx, count in enumerate(waiting) if count == 0]
    running: list[tuple[float, int]] = []
    now, free = 0.0, workers
    while ready or running:
        while free and ready:
            tx = heapq.heappop(ready)
            heapq.heappush(running, (now + weights[tx], tx))
            free -= 1
        now, tx = heapq.heappop(running)
        free += 1
        for later in dependents[tx]:
            waiting[later] -= 1
            if waiting[later] == 0:
                heapq.heappush(ready, later)
    return now
