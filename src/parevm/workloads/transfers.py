"""Plain ether transfers, each from its own sender, spread over K recipients."""

from typing import Any

from .chain import address_of, dynamic_fee_transaction, key, mine
from .genesis import Genesis


def eth_transfers(txs: int, recipients: int, seed: int) -> dict[str, Any]:
    """Transfer i pays recipient i mod K: with K = txs no two transactions touch one account."""
    senders = [key(seed, b"sender", i) for i in range(txs)]
    targets = [address_of(key(seed, b"recipient", i)) for i in range(min(recipients, txs))]
    genesis = Genesis()
    genesis.fund(senders)
    transactions = [
        dynamic_fee_transaction(sender, 0, targets[i % len(targets)], value=10**15 + i)
        for i, sender in enumerate(senders)
    ]
    return mine(genesis.pre_state(), transactions)
