"""ExecutionStats: what the parallel engine did for one block, for reports and analysis."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ExecutionStats:
    """Counts from the native core, time per phase, and each transaction's final read and
    write keys. `fallback` says why a block ran sequentially (None: it ran in parallel)."""

    workers: int
    transactions: int
    fallback: str | None = None
    executions: int = 0
    validations: int = 0
    failed_validations: int = 0
    estimate_aborts: int = 0
    retries: list[str] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)
    read_keys: list[list[Any]] = field(default_factory=list)
    write_keys: list[list[Any]] = field(default_factory=list)

    @property
    def parallel(self) -> bool:
        return self.fallback is None

    @property
    def reexecutions(self) -> int:
        return max(0, self.executions - self.transactions) if self.parallel else 0

    def record_core(self, core: Any, keys: bool) -> None:
        """The core's counters; with `keys`, every transaction's final read and write keys."""
        counts = core.stats()
        self.executions = counts["executions"]
        self.validations = counts["validations"]
        self.failed_validations = counts["failed_validations"]
        self.estimate_aborts = counts["dependencies"]
        if keys:
            self.read_keys = [[key for key, *_ in core.tx_reads(tx)] for tx in range(self.transactions)]
            self.write_keys = [[key for key, *_ in core.tx_writes(tx)] for tx in range(self.transactions)]

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
            "phases": {name: round(seconds, 6) for name, seconds in self.phases.items()},
        }
        if keys:
            out["read_keys"] = [[_key_json(k) for k in tx] for tx in self.read_keys]
            out["write_keys"] = [[_key_json(k) for k in tx] for tx in self.write_keys]
        return out


def _key_json(key: Any) -> list[Any]:
    address, kind, slot = key
    return ["0x" + address.hex(), kind.name.lower(), None if slot is None else hex(slot)]
