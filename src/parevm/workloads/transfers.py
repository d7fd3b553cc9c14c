"""Plain ether transfers: each from its own sender, spread over K recipients; or payouts from
K exchange wallets, each paying fresh addresses with consecutive nonces."""

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


def payouts(txs: int, wallets: int, seed: int) -> dict[str, Any]:
    """Payout i comes from wallet i mod K (its next nonce) and goes to a fresh address: with
    K = 1 one sender pays every transaction of the block."""
    genesis = Genesis()
    exchanges = genesis.funded(seed, b"exchange", min(wallets, txs))
    recipients = addresses(seed, b"payee", txs)
    transactions = [
        dynamic_fee_transaction(exchanges[i % len(exchanges)], i // len(exchanges), to, value=10**15 + i)
        for i, to in enumerate(recipients)
    ]
    return mine(genesis.pre_state(), transactions)
