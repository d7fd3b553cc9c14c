"""Keys, transactions and mining for generated blocks, on py-evm's own chain.

The header py-evm's MiningChain produces is the block's expected values, so replaying a
generated block checks parevm against py-evm's independent block-building path.
"""

from collections.abc import Sequence
from typing import Any

from eth.abc import SignedTransactionAPI
from eth.chains.base import MiningChain
from eth.db.atomic import AtomicDB
from eth.tools.builder.chain.builders import disable_pow_check
from eth_keys import keys
from eth_utils import keccak

from ..blockinput import Account
from ..blockwriter import block_file_json
from ..forks import FORKS, is_at_least

CHAIN_ID = 1337
FUNDS = 10**24
GWEI = 10**9
SLOT_SECONDS = 12


def key(seed: int, role: bytes, index: int) -> keys.PrivateKey:
    """A deterministic private key for a workload's account."""
    return keys.PrivateKey(
        keccak(b"parevm-workload" + role + seed.to_bytes(8, "big") + index.to_bytes(8, "big"))
    )


def address_of(private_key: keys.PrivateKey) -> bytes:
    return private_key.public_key.to_canonical_address()


def addresses(seed: int, role: bytes, count: int) -> list[bytes]:
    """The addresses of the first `count` keys of `role` (accounts that only receive)."""
    return [address_of(key(seed, role, i)) for i in range(count)]


def dynamic_fee_transaction(
    sender: keys.PrivateKey, nonce: int, to: bytes, value: int = 0, data: bytes = b"",
    gas: int = 21_000, tip: int = GWEI,
) -> SignedTransactionAPI:
    builder = FORKS["Cancun"].get_transaction_builder()
    return builder.new_unsigned_dynamic_fee_transaction(
        chain_id=CHAIN_ID, nonce=nonce, max_priority_fee_per_gas=tip, max_fee_per_gas=100 * GWEI,
        gas=gas, to=to, value=value, data=data, access_list=[],
    ).as_signed_transaction(sender, chain_id=CHAIN_ID)


def mine(
    pre_state: dict[bytes, Account],
    transactions: Sequence[SignedTransactionAPI],
    coinbase: bytes = b"\x00" * 20,
    fork: str = "Cancun",
) -> dict[str, Any]:
    """A block file of `transactions` on a genesis of exactly `pre_state`, mined by py-evm.

    The block's timestamp is one slot after the genesis', not py-evm's default of the clock,
    so the same transactions always make the same block.
    """
    gas_limit = max(30_000_000, 2 * sum(tx.gas for tx in transactions))
    chain = _genesis_chain(pre_state, fork, gas_limit)
    genesis = chain.get_canonical_head()
    timestamp = genesis.timestamp + SLOT_SECONDS
    result, _, _ = chain.mine_all(transactions, coinbase=coinbase, timestamp=timestamp)
    return block_file_json(
        result.imported_block, CHAIN_ID, fork, pre_state, {0: genesis.hash}, complete_state=True
    )


def _genesis_chain(pre_state: dict[bytes, Account], fork: str, gas_limit: int) -> MiningChain:
    chain_class = MiningChain.configure(
        "WorkloadChain", vm_configuration=((0, FORKS[fork]),), chain_id=CHAIN_ID
    )
    if not is_at_least(fork, "Paris"):  # no proof of work to mine (and none to check)
        chain_class = disable_pow_check(chain_class)
    genesis_state = {
        address: {"balance": a.balance, "nonce": a.nonce, "code": a.code, "storage": dict(a.storage)}
        for address, a in pre_state.items()
    }
    params = {"difficulty": 0, "gas_limit": gas_limit, "timestamp": 1_700_000_000}
    return chain_class.from_genesis(AtomicDB(), params, genesis_state)
