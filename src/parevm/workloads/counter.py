"""Increments of K counters in one contract (contracts/Counter.sol), each from its own sender:
increments of one counter are fully serial."""

from typing import Any

from eth.abc import SignedTransactionAPI
from eth_keys import keys

from .chain import dynamic_fee_transaction, mine
from .contracts import contract, contract_address
from .genesis import Genesis

INCREMENT_GAS = 100_000
COUNTER = contract_address("Counter")


def increment(sender: keys.PrivateKey, counter_id: int) -> SignedTransactionAPI:
    data = contract("Counter").call("increment(uint256)", counter_id)
    return dynamic_fee_transaction(sender, 0, COUNTER, data=data, gas=INCREMENT_GAS)


def add_counter(genesis: Genesis) -> None:
    """The counter contract, every counter at zero."""
    genesis.place(COUNTER, contract("Counter"))


def increments(txs: int, counters: int, seed: int) -> dict[str, Any]:
    """Sender i increments counter i mod K."""
    genesis = Genesis()
    senders = genesis.funded(seed, b"sender", txs)
    add_counter(genesis)
    return mine(genesis.pre_state(), [increment(s, i % counters) for i, s in enumerate(senders)])
