"""Plain ether transfers, each from its own sender, spread over K recipients."""

from typing import Any

from .chain import addresses, dynamic_fee_transaction, mine
from .genesis import Genesis


def eth_transfers(txs: int, recipients: int, seed: int) -> dict[str, Any]:
    """Transfer i pays recipient i mod K: with K = txs no two transactions touch one account."""
    genesis = Genesis()
    senders = genesis.funded(seed, b"sender", txs)
    targets = addresses(seed, b"recipient", min(recipients, txs))
    transactions = [
        dynamic_fee_transaction(sender, 0, targets[i % len(targets)], value=10**15 + i)
        for i, sender in enumerate(senders)
    ]
    return mine(genesis.pre_state(), transactions)
