"""ExecutionStats: what the parallel engine did for one block, for reports and analysis."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .core import ReadResult
from .native import Key
from .outcome import Outcome

WORKER_TIMES = ("executions", "reexecutions", "blocked", "waits", "validations", "idle")
"""Where the workers' time goes: first incarnations, later ones, incarnations cut short by an
ESTIMATE, reads waiting in place for a lower transaction, validations, and no task to take
(another worker holds what is left). Executions' waits are counted apart from them."""


@dataclass
class ExecutionStats:
    """Counts from the native core, time per phase, and (on request) each transaction's final
    read keys, written keys, commutative credits (delta_keys), the written or credited keys whose
    value its writes left as it was (neutral_keys: a key set back to the value the transaction
    read, a credit of 0; validation compares values, so no reader above depends on those
    writes) and execution time.
    `fallback` says why a block ran sequentially (None: it ran in parallel)."""

    workers: int
    transactions: int
    fallback: str | None = None
    executions: int = 0
    validations: int = 0
    failed_validations: int = 0
    estimate_aborts: int = 0
    retries: list[str] = field(default_factory=list)
    first: list[int] = field(default_factory=list)  # started before the in-order sweep (long_first)
    phases: dict[str, float] = field(default_factory=dict)
    worker_seconds: dict[str, float] = field(default_factory=dict)  # WORKER_TIMES, summed over workers
    read_keys: list[list[Key]] = field(default_factory=list)
    write_keys: list[list[Key]] = field(default_factory=list)
    delta_keys: list[list[Key]] = field(default_factory=list)
    neutral_keys: list[list[Key]] = field(default_factory=list)
    tx_seconds: list[float] = field(default_factory=list)

    @property
    def parallel(self) -> bool:
        return self.fallback is None

    @property
    def reexecutions(self) -> int:
        return max(0, self.executions - self.transactions) if self.parallel else 0

    def record_core(self, core: Any) -> None:
        """The core's counters."""
        counts = core.stats()
        self.executions = counts["executions"]
        self.validations = counts["validations"]
        self.failed_validations = counts["failed_validations"]
        self.estimate_aborts = counts["dependencies"]

    def record_worker_seconds(self, seconds: dict[str, float]) -> None:
        """One worker's account of its time, added to the others'."""
        self.worker_seconds = worker_seconds_sum([self.worker_seconds, seconds])

    def record_keys(self, core: Any, outcomes: Sequence[Outcome]) -> None:
        """Every transaction's final read and write keys and execution time."""
        self.read_keys, self.write_keys, self.delta_keys, self.neutral_keys = [], [], [], []
        for tx in range(self.transactions):
            reads = core.tx_reads(tx)
            self.read_keys.append([key for key, *_ in reads])
            # The values it read: a NONE read's record holds the pre-state value it used; a
            # DELTA read's, only the credits to add to that.
            seen = {key: value for key, result, _, value in reads if result != ReadResult.DELTA}
            writes = core.tx_writes(tx)
            self.write_keys.append([key for key, _, delta in writes if not delta])
            self.delta_keys.append([key for key, _, delta in writes if delta])
            self.neutral_keys.append(
                [key for key, value, delta in writes if (value == 0 if delta else seen.get(key) == value)]
            )
        self.tx_seconds = [outcome.seconds for outcome in outcomes]

    def to_json(self, keys: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "parallel": self.parallel,
            "fallback": self.fallback,
            "workers": self.workers,
            "executions": self.executions,
            "reexecutions": self.reexecutions,
            "validations": self.validations,
            "failed_validations": self.failed_validations,
            "estimate_aborts": self.estimate_aborts,
            "retries": self.retries,
            "first": self.first,
            "phases": {name: round(seconds, 6) for name, seconds in self.phases.items()},
            "worker_seconds": {name: round(seconds, 6) for name, seconds in self.worker_seconds.items()},
        }
        if keys:
            out["read_keys"] = [[key_json(k) for k in tx] for tx in self.read_keys]
            out["write_keys"] = [[key_json(k) for k in tx] for tx in self.write_keys]
            out["delta_keys"] = [[key_json(k) for k in tx] for tx in self.delta_keys]
            out["neutral_keys"] = [[key_json(k) for k in tx] for tx in self.neutral_keys]
            out["tx_seconds"] = [round(seconds, 6) for seconds in self.tx_seconds]
        return out


def worker_seconds_sum(accounts: Iterable[Mapping[str, float]]) -> dict[str, float]:
    """Accounts of workers' time added up kind by kind (a kind an account lacks counts 0)."""
    accounts = list(accounts)
    return {kind: sum(account.get(kind, 0.0) for account in accounts) for kind in WORKER_TIMES}


def key_json(key: Key) -> list[Any]:
    address, kind, slot = key
    return ["0x" + address.hex(), kind.name.lower(), None if slot is None else hex(slot)]
