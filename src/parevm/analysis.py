"""What limits a block's parallel speedup, measured on the block itself (`parevm analyze`).

The engine runs the block with one worker, so each transaction executes exactly once; its
final read and write sets give the dependency graph (see depgraph), its receipts the gas and
its worker the execution time of every transaction.

Two models: the engine's own (balance changes are commutative deltas, a sender's nonce is its
transaction's: see txview; a write that leaves a key's value as its writer read it is no
dependency, since validation compares values) and the strict one, where every account access is a dependency but
the fee recipient's credit (what the engine did before lazy account updates).
"""

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from . import depgraph
from .blockinput import BlockInput
from .errors import ParevmError
from .modes import Mode, engine_for
from .native import Key, Kind
from .result import BlockResult
from .stats import key_json


class AnalysisError(ParevmError):
    """The engine could not run the block in parallel, so it has no read and write sets."""


@dataclass(frozen=True)
class Limits:
    """What bounds a block's (or a corpus's) speedup: its work and critical path in measured
    seconds of execution, and its ideal schedule's makespan per worker count."""

    work: float
    path: float
    makespans: dict[int, float]

    @classmethod
    def total(cls, blocks: Sequence["Limits"]) -> "Limits":
        """A corpus: its blocks run one after another, so all three add up."""
        return cls(
            work=sum(b.work for b in blocks),
            path=sum(b.path for b in blocks),
            makespans={w: sum(b.makespans[w] for b in blocks) for w in blocks[0].makespans},
        )

    @property
    def bound(self) -> float:
        return depgraph.speedup(self.work, self.path)

    def scheduled(self, workers: int) -> float:
        return depgraph.speedup(self.work, self.makespans[workers])


@dataclass(frozen=True)
class BlockAnalysis:
    """A block's graph with both weights (gas used, measured seconds) and their paths."""

    name: str
    result: BlockResult
    graph: depgraph.Graph
    strict: depgraph.Graph  # every account access a dependency
    gas: tuple[int, ...]
    seconds: tuple[float, ...]
    by_gas: depgraph.Path
    by_time: depgraph.Path
    contracts: frozenset[bytes]  # addresses with code before the block

    @property
    def transactions(self) -> int:
        return len(self.gas)

    @property
    def bound(self) -> float:
        """Total execution time / the critical path by time (the figure bench reports)."""
        return depgraph.bound(self.seconds, self.by_time)

    @property
    def bound_gas(self) -> float:
        return depgraph.bound(self.gas, self.by_gas)

    def scheduled(self, workers: int) -> float:
        """The speedup of the ideal in-order schedule on `workers` (by measured time)."""
        return depgraph.scheduled_speedup(self.graph, self.seconds, workers)

    @functools.cached_property
    def strict_by_time(self) -> depgraph.Path:
        return depgraph.critical_path(self.strict, self.seconds)

    @property
    def strict_bound(self) -> float:
        return depgraph.bound(self.seconds, self.strict_by_time)

    def strict_scheduled(self, workers: int) -> float:
        return depgraph.scheduled_speedup(self.strict, self.seconds, workers)

    def limits(self, workers: Iterable[int], strict: bool = False) -> Limits:
        """Work, critical path and the ideal schedule at each worker count, by measured time,
        in the engine's model or the strict one."""
        graph, path = (self.strict, self.strict_by_time) if strict else (self.graph, self.by_time)
        return Limits(
            sum(self.seconds),
            path.weight,
            {w: depgraph.makespan(graph, self.seconds, w) for w in workers},
        )

    def hot_keys(self, count: int = 5) -> list[tuple[Key, int]]:
        """The keys most transactions depend on another through."""
        ranked = sorted(self.graph.carried.items(), key=lambda item: -len(item[1]))
        return [(key, len(txs)) for key, txs in ranked[:count]]

    def hot_accounts(self, count: int = 5) -> list[tuple[bytes, int]]:
        """The accounts (contracts or not) whose keys most transactions depend through."""
        by_account: dict[bytes, set[int]] = {}
        for (address, _, _), txs in self.graph.carried.items():
            by_account.setdefault(address, set()).update(txs)
        ranked = sorted(by_account.items(), key=lambda item: (-len(item[1]), item[0]))
        return [(address, len(txs)) for address, txs in ranked[:count]]

    def to_json(self, workers: int) -> dict[str, Any]:
        return {
            "name": self.name,
            "transactions": self.transactions,
            "gas": sum(self.gas),
            "seconds": round(sum(self.seconds), 6),
            "dependent_transactions": self.graph.dependent,
            "edges": self.graph.edges,
            "critical_path_gas": {"gas": self.by_gas.weight, "transactions": list(self.by_gas.txs)},
            "critical_path_time": {
                "seconds": round(self.by_time.weight, 6), "transactions": list(self.by_time.txs)
            },
            "bound": round(self.bound, 4),
            "bound_gas": round(self.bound_gas, 4),
            "workers": workers,
            "bound_at_workers": round(min(self.bound, workers), 4),
            "scheduled_at_workers": round(self.scheduled(workers), 4),
            "strict": {
                "dependent_transactions": self.strict.dependent,
                "edges": self.strict.edges,
                "bound": round(self.strict_bound, 4),
                "scheduled_at_workers": round(self.strict_scheduled(workers), 4),
            },
            "hot_keys": [{"key": key_json(key), "transactions": n} for key, n in self.hot_keys()],
            "hot_accounts": [
                {"address": "0x" + address.hex(), "contract": address in self.contracts, "transactions": n}
                for address, n in self.hot_accounts()
            ],
            "checks_ok": self.result.ok,
            "dependencies": [sorted(d) for d in self.graph.dependencies],
        }


def analyze_block(block: BlockInput, name: str | None = None) -> BlockAnalysis:
    """Run the block once through the engine (one worker, every block in parallel) and
    build its graph from what each transaction finally read and wrote."""
    result = engine_for(Mode("parallel", workers=1, force_parallel=True, keys=True)).execute(block)
    stats = result.stats
    if stats is None or not stats.parallel:
        reason = stats.fallback if stats else "no engine statistics"
        raise AnalysisError(f"block {block.number}: the engine did not run it in parallel ({reason})")
    graph = depgraph.dependency_graph(
        stats.read_keys, _changed(stats.write_keys, stats.neutral_keys), _changed(stats.delta_keys, stats.neutral_keys)
    )
    strict = _strict_graph(stats.read_keys, stats.write_keys, stats.delta_keys, block.header.coinbase)
    gas = tuple(receipt.gas_used for receipt in result.receipts)
    seconds = tuple(stats.tx_seconds)
    return BlockAnalysis(
        name=name or str(block.number),
        result=result,
        graph=graph,
        strict=strict,
        gas=gas,
        seconds=seconds,
        by_gas=depgraph.critical_path(graph, gas),
        by_time=depgraph.critical_path(graph, seconds),
        contracts=frozenset(a for a, account in block.pre_state.items() if account.code),
    )


def _changed(written: Sequence[Sequence[Key]], neutral: Sequence[Sequence[Key]]) -> list[list[Key]]:
    """Per transaction, the written keys whose value its writes changed."""
    return [[key for key in keys if key not in left] for keys, left in zip(written, neutral)]


def _strict_graph(
    reads: Sequence[Sequence[Key]], writes: Sequence[Sequence[Key]], deltas: Sequence[Sequence[Key]], coinbase: bytes
) -> depgraph.Graph:
    """The graph if every balance change but the fee recipient's credit were read and written
    (py-evm's delta_balance), and every nonce written were read first (the sender's check)."""
    strict_reads, strict_writes, credits = [], [], []
    for read, written, delta in zip(reads, writes, deltas):
        real = [key for key in delta if key[0] != coinbase]
        strict_reads.append([*read, *real, *(key for key in written if key[1] == Kind.NONCE)])
        strict_writes.append([*written, *real])
        credits.append([key for key in delta if key[0] == coinbase])
    return depgraph.dependency_graph(strict_reads, strict_writes, credits)
