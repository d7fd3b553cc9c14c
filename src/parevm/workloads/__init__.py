"""Generated benchmark blocks with a complete genesis, mined by py-evm's own chain.

Each workload is deterministic from a seed and has a size (transactions) and a contention knob
K: how many recipients, pools or counters the transactions share. Contracts come from our own
Solidity sources in contracts/, placed in the genesis with their storage written in.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..blockfile import block_input_from_json
from ..blockinput import BlockInput
from ..errors import InputError
from .amm import swaps
from .chain import FUNDS, dynamic_fee_transaction, key, mine
from .counter import increments
from .mixed import mixed
from .tokens import token_transfers
from .transfers import eth_transfers, payouts


@dataclass(frozen=True)
class Workload:
    name: str
    description: str  # one line, for --help and reports
    contention: str  # what K counts
    default_contention: int | None  # None: K defaults to the number of transactions
    build: Callable[[int, int, int], dict[str, Any]]  # (txs, K, seed) -> block file JSON


WORKLOADS: dict[str, Workload] = {w.name: w for w in (
    Workload("transfers", "plain ETH transfers, each from its own sender", "recipients", None,
             eth_transfers),
    Workload("transfers-hot", "plain ETH transfers to a few hot recipients", "recipients", 4,
             eth_transfers),
    Workload("payouts", "ETH payouts from a few exchange wallets to fresh addresses", "wallets", 1,
             payouts),
    Workload("erc20", "ERC20 token transfers, each from its own holder", "recipients", None,
             token_transfers),
    Workload("erc20-hot", "ERC20 token transfers to a few hot recipients", "recipients", 4,
             token_transfers),
    Workload("amm", "swaps on Uniswap-V2-style constant-product pools", "pools", 4, swaps),
    Workload("counter", "increments of a counter contract's slots (serial per counter)",
             "counters", 1, increments),
    Workload("mixed", "a blend like a real block: transfers, payouts, tokens, swaps, counters, "
             "creations (the one counter stays serial whatever K)",
             "hot addresses and pools", 4, mixed),
)}


def _valid() -> str:
    return "NAME or NAME:K, NAME one of " + ", ".join(WORKLOADS)


def _workload(name: str) -> Workload:
    try:
        return WORKLOADS[name]
    except KeyError:
        raise InputError("--workload", f"unknown workload {name!r} ({_valid()})") from None


def workload_spec(text: str) -> tuple[Workload, int | None]:
    """NAME or NAME:K, as in "erc20-hot:8"; K None where the spec leaves it to the default."""
    name, colon, contention = text.partition(":")
    workload = _workload(name)
    if not colon:
        return workload, None
    if not contention.isdigit() or int(contention) < 1:
        raise InputError("--workload", f"K in {text!r} must be a positive integer ({_valid()})")
    return workload, int(contention)


def generate(name: str, txs: int, contention: int | None = None, seed: int = 0) -> dict[str, Any]:
    """The block file JSON of workload `name` with `txs` transactions and contention K."""
    workload = _workload(name)
    if txs < 1:
        raise InputError("--txs", f"a block needs at least one transaction, not {txs}")
    if contention is None:
        contention = workload.default_contention or txs
    if contention < 1:
        message = f"K ({workload.contention}) must be at least 1, not {contention}"
        raise InputError("--workload", message)
    if not 0 <= seed < 2**64:
        raise InputError("--seed", f"the seed must be in 0..2**64-1, not {seed}")
    return workload.build(txs, contention, seed)


def generate_block(spec: str, txs: int, seed: int = 0) -> BlockInput:
    """A generated block ready to execute: workload `spec` (NAME or NAME:K) with `txs`
    transactions, named after the spec."""
    workload, contention = workload_spec(spec)
    return block_input_from_json(generate(workload.name, txs, contention, seed), spec)


def transfers(txs: int, seed: int = 0) -> dict[str, Any]:
    """The `transfers` workload with every recipient distinct."""
    return generate("transfers", txs, seed=seed)


__all__ = [
    "FUNDS", "WORKLOADS", "Workload", "dynamic_fee_transaction", "generate", "generate_block", "key", "mine",
    "transfers", "workload_spec",
]
