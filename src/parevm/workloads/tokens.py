"""ERC20 transfers, each from its own holder, spread over K recipients."""

from random import Random
from typing import Any

from eth.abc import SignedTransactionAPI
from eth_keys import keys

from .chain import address_of, addresses, dynamic_fee_transaction, mine
from .contracts import contract, contract_address
from .genesis import Genesis

TRANSFER_GAS = 100_000
HOLDING = 10**24  # each holder's tokens before the block

TOKEN = contract_address("Token")  # the token every workload transfers (and the AMM's token0)


def transfer(sender: keys.PrivateKey, to: bytes, amount: int) -> SignedTransactionAPI:
    data = contract("Token").call("transfer(address,uint256)", to, amount)
    return dynamic_fee_transaction(sender, 0, TOKEN, data=data, gas=TRANSFER_GAS)


def token_transfers(txs: int, recipients: int, seed: int) -> dict[str, Any]:
    """Holder i sends a random amount to recipient i mod K; recipients start without tokens."""
    rng = Random(seed)
    genesis = Genesis()
    holders = genesis.funded(seed, b"holder", txs)
    targets = addresses(seed, b"token-recipient", min(recipients, txs))
    genesis.token(TOKEN)
    for holder in holders:
        genesis.credit(TOKEN, address_of(holder), HOLDING)
    transactions = [
        transfer(holder, targets[i % len(targets)], rng.randrange(1, HOLDING))
        for i, holder in enumerate(holders)
    ]
    return mine(genesis.pre_state(), transactions)
