"""What a replay produces: receipts, roots, the post-state diff, checks and timings."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .stats import ExecutionStats


@dataclass(frozen=True)
class AccountChange:
    """An account after the block, where it differs from before (None fields: unchanged).

    `exists` False means the account does not exist after the block (deleted or never made).
    `storage` holds the slots whose value changed; `storage_wiped` says the account's storage
    was cleared (SELFDESTRUCT, or CREATE over old storage) before those writes.
    """

    exists: bool
    balance: int | None = None
    nonce: int | None = None
    code: bytes | None = None
    storage: Mapping[int, int] = field(default_factory=dict)
    storage_wiped: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"exists": self.exists}
        if self.balance is not None:
            out["balance"] = hex(self.balance)
        if self.nonce is not None:
            out["nonce"] = hex(self.nonce)
        if self.code is not None:
            out["code"] = "0x" + self.code.hex()
        if self.storage_wiped:
            out["storageWiped"] = True
        if self.storage:
            out["storage"] = {hex(k): hex(v) for k, v in sorted(self.storage.items())}
        return out


StateDiff = Mapping[bytes, AccountChange]


@dataclass(frozen=True)
class ReceiptSummary:
    """One transaction's receipt as consensus sees it."""

    status: int | None  # 1/0 from Byzantium on; None before (the receipt holds a state root)
    post_state_root: bytes | None
    cumulative_gas_used: int
    gas_used: int
    logs: tuple[tuple[bytes, tuple[int, ...], bytes], ...]  # (address, topics, data)
    bloom: int


@dataclass(frozen=True)
class Check:
    """One expected header value against what the replay produced."""

    name: str
    expected: Any
    actual: Any
    applicable: bool
    reason: str = ""  # why it is not applicable

    @property
    def ok(self) -> bool | None:
        return self.expected == self.actual if self.applicable else None


@dataclass
class BlockResult:
    """The outcome of replaying one block."""

    source: str
    number: int
    fork: str
    transactions: int
    gas_used: int
    logs_bloom: int
    receipts_root: bytes
    transactions_root: bytes
    state_root: bytes  # over the pre-state given: meaningful only where that is complete
    receipts: list[ReceiptSummary]
    state_diff: dict[bytes, AccountChange]
    checks: dict[str, Check]
    seconds: float
    phases: dict[str, float]
    mode: str = "sequential"
    stats: ExecutionStats | None = None  # the parallel engine's; None in the sequential modes

    @property
    def ok(self) -> bool:
        """Every applicable check holds."""
        return all(check.ok is not False for check in self.checks.values())

    def check_json(self) -> dict[str, bool | None]:
        return {name: check.ok for name, check in self.checks.items()}

    def to_json(self, keys: bool = False) -> dict[str, Any]:
        return {
            "source": self.source,
            "block": self.number,
            "fork": self.fork,
            "mode": self.mode,
            "txs": self.transactions,
            "gas_used": self.gas_used,
            "receipts_root": "0x" + self.receipts_root.hex(),
            "state_root": "0x" + self.state_root.hex(),
            "checks": self.check_json(),
            "mismatches": {
                name: {"expected": _show(c.expected), "actual": _show(c.actual)}
                for name, c in self.checks.items()
                if c.ok is False
            },
            "seconds": round(self.seconds, 6),
            "phases": {name: round(sec, 6) for name, sec in self.phases.items()},
            "accounts_changed": len(self.state_diff),
            **({"stats": self.stats.to_json(keys)} if self.stats is not None else {}),
        }


def _show(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, int) and value > 2**64:
        return hex(value)
    return value
