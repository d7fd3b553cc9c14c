"""A blend like a real block, in a seeded random order: ether transfers (to K hot addresses, to
fresh ones, and payouts from one exchange wallet with consecutive nonces), ERC20 transfers (some
to K hot holders), swaps on K pools, increments of one counter, and token contract creations."""

from random import Random
from typing import Any

from eth.abc import SignedTransactionAPI

from .amm import add_trader, open_market, swap
from .chain import address_of, dynamic_fee_transaction, key, mine
from .contracts import contract, word
from .counter import add_counter, increment
from .genesis import Genesis
from .tokens import HOLDING, TOKEN, transfer

# Transactions of each kind in every 20 of the block.
SHARES = {"eth-hot": 3, "eth": 2, "payout": 2, "erc20-hot": 3, "erc20": 4, "swap": 4, "counter": 1,
          "create": 1}
CREATION_GAS = 1_000_000
CREATED_SUPPLY = 10**24
ETHER = (10**15, 10**18)  # the range of an ether transfer's value


def mixed(txs: int, hot: int, seed: int) -> dict[str, Any]:
    """The kinds in the proportions of SHARES, shuffled; K is the number of hot addresses, of
    hot token holders and of pools."""
    rng = Random(seed)
    pattern = [kind for kind, share in SHARES.items() for _ in range(share)]
    kinds = [pattern[i % len(pattern)] for i in range(txs)]
    rng.shuffle(kinds)

    genesis = Genesis()
    market = open_market(genesis, hot, rng)
    add_counter(genesis)
    exchange = key(seed, b"exchange", 0)
    hot_keys = [key(seed, b"hot", j) for j in range(hot)]
    hot_holders = [key(seed, b"hot-holder", j) for j in range(hot)]
    genesis.fund([exchange, *hot_keys, *hot_holders])
    for holder in hot_holders:
        genesis.credit(TOKEN, address_of(holder), HOLDING)

    transactions: list[SignedTransactionAPI] = []
    payouts = 0
    for i, kind in enumerate(kinds):
        fresh = address_of(key(seed, b"fresh", i))
        if kind == "payout":
            value = rng.randrange(*ETHER)
            transactions.append(dynamic_fee_transaction(exchange, payouts, fresh, value))
            payouts += 1
            continue
        sender = key(seed, b"mixed", i)
        genesis.fund([sender])
        match kind:
            case "eth-hot":
                to = address_of(rng.choice(hot_keys))
                tx = dynamic_fee_transaction(sender, 0, to, rng.randrange(*ETHER))
            case "eth":
                tx = dynamic_fee_transaction(sender, 0, fresh, rng.randrange(*ETHER))
            case "erc20-hot" | "erc20":
                genesis.credit(TOKEN, address_of(sender), HOLDING)
                to = address_of(rng.choice(hot_holders)) if kind == "erc20-hot" else fresh
                tx = transfer(sender, to, rng.randrange(1, HOLDING))
            case "swap":
                pool = rng.choice(market.pools)
                add_trader(genesis, market, sender, pool)
                tx = swap(sender, pool, rng)
            case "counter":
                tx = increment(sender, 0)
            case "create":
                code = contract("Token").creation + word(CREATED_SUPPLY)
                tx = dynamic_fee_transaction(sender, 0, b"", data=code, gas=CREATION_GAS)
        transactions.append(tx)
    return mine(genesis.pre_state(), transactions)
