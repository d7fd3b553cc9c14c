"""Swaps on K constant-product pools (contracts/Pair.sol) of one token pair, each from its own
trader: swaps on one pool conflict through its reserves, swaps on different pools do not."""

from dataclasses import dataclass
from random import Random
from typing import Any

from eth.abc import SignedTransactionAPI
from eth_keys import keys

from .chain import address_of, dynamic_fee_transaction, key, mine
from .contracts import contract, contract_address
from .genesis import Genesis
from .tokens import TOKEN

SWAP_GAS = 200_000
TRADER_TOKENS = 10**24  # each trader's balance of both tokens, and its allowance to its pool
RESERVES = (10**24, 10**25)  # the range of a pool's initial reserve of each token
SWAP_SIZES = (10**18, 10**21)  # the range of one swap's input: at most 0.1% of a reserve


@dataclass(frozen=True)
class Market:
    tokens: tuple[bytes, bytes]
    pools: tuple[bytes, ...]


def open_market(genesis: Genesis, pools: int, rng: Random) -> Market:
    """Two tokens and `pools` pairs of them, each holding its random reserves."""
    tokens = (genesis.token(TOKEN), genesis.token(contract_address("Token", 1)))
    pair = contract("Pair")
    addresses = []
    for index in range(pools):
        reserves = [rng.randrange(*RESERVES) for _ in tokens]
        address = genesis.place(contract_address("Pair", index), pair, {
            pair.slot("token0"): int.from_bytes(tokens[0], "big"),
            pair.slot("token1"): int.from_bytes(tokens[1], "big"),
            pair.slot("reserve0"): reserves[0],
            pair.slot("reserve1"): reserves[1],
        })
        for token, reserve in zip(tokens, reserves):
            genesis.credit(token, address, reserve)
        addresses.append(address)
    return Market(tokens, tuple(addresses))


def add_trader(genesis: Genesis, market: Market, trader: keys.PrivateKey, pool: bytes) -> None:
    """Fund `trader` with both tokens and let `pool` pull them."""
    genesis.fund([trader])
    for token in market.tokens:
        genesis.credit(token, address_of(trader), TRADER_TOKENS)
        genesis.approve(token, address_of(trader), pool, TRADER_TOKENS)


def swap(trader: keys.PrivateKey, pool: bytes, rng: Random) -> SignedTransactionAPI:
    """A swap of a random size, in a random direction."""
    zero_for_one, amount = rng.random() < 0.5, rng.randrange(*SWAP_SIZES)
    data = contract("Pair").call("swap(bool,uint256)", zero_for_one, amount)
    return dynamic_fee_transaction(trader, 0, pool, data=data, gas=SWAP_GAS)


def swaps(txs: int, pools: int, seed: int) -> dict[str, Any]:
    """Trader i swaps on pool i mod K."""
    rng = Random(seed)
    genesis = Genesis()
    market = open_market(genesis, pools, rng)
    transactions = []
    for i in range(txs):
        trader, pool = key(seed, b"trader", i), market.pools[i % pools]
        add_trader(genesis, market, trader, pool)
        transactions.append(swap(trader, pool, rng))
    return mine(genesis.pre_state(), transactions)
