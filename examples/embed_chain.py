"""Embed parevm in a py-evm chain: the chain's VMs become drop-ins whose blocks run in parallel.

    python examples/embed_chain.py [--txs 200] [--workers 2]

A MiningChain configured with the engine's VMs mines a block of ETH and token transfers with
mine_all; py-evm's own chain then imports that block and must reach the same head.
"""

import argparse

from eth.chains.base import MiningChain
from eth.db.atomic import AtomicDB
from eth.vm.forks import CancunVM
from eth_keys import keys
from eth_utils import keccak

from parevm import Engine
from parevm.workloads.contracts import contract, word

CHAIN_ID = 1337
GWEI = 10**9
TOKEN_ADDRESS = b"\x70" * 20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--txs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    # A genesis with funded senders and a token whose balances are written into its storage.
    token = contract("Token")
    senders = [keys.PrivateKey(keccak(b"embed-example" + i.to_bytes(4, "big"))) for i in range(args.txs)]
    addresses = [key.public_key.to_canonical_address() for key in senders]
    token_storage = {token.slot("balanceOf", address): 10**6 for address in addresses}
    genesis_state = {address: {"balance": 10**21, "nonce": 0, "code": b"", "storage": {}} for address in addresses}
    genesis_state[TOKEN_ADDRESS] = {"balance": 0, "nonce": 1, "code": token.runtime, "storage": token_storage}
    genesis_params = {"difficulty": 0, "gas_limit": 30_000_000, "timestamp": 1_700_000_000}

    # Each sender pays the next one in ETH or tokens: transactions that share accounts.
    builder = CancunVM.get_transaction_builder()
    transactions = []
    for index, sender in enumerate(senders):
        receiver = addresses[(index + 1) % len(addresses)]
        to, value, data = (receiver, 10**15, b"") if index % 2 else (
            TOKEN_ADDRESS, 0, token.call("transfer(address,uint256)", receiver, 5))
        unsigned = builder.new_unsigned_dynamic_fee_transaction(
            chain_id=CHAIN_ID, nonce=0, max_priority_fee_per_gas=GWEI, max_fee_per_gas=100 * GWEI,
            gas=100_000, to=to, value=value, data=data, access_list=[])
        transactions.append(unsigned.as_signed_transaction(sender, chain_id=CHAIN_ID))

    PlainChain = MiningChain.configure("Example", vm_configuration=((0, CancunVM),), chain_id=CHAIN_ID)
    with Engine(args.workers, min_txs=0) as engine:
        ParallelChain = engine.chain_class(PlainChain)
        chain = ParallelChain.from_genesis(AtomicDB(), genesis_params, genesis_state)
        imported, receipts, computations = chain.mine_all(transactions, timestamp=1_700_000_012)
        stats = engine.stats[-1]
    block = imported.imported_block
    failed = sum(1 for computation in computations if not computation.is_success)
    print(f"mined block {block.number} with {len(transactions)} txs through the engine: "
          f"gas {block.header.gas_used}, {failed} failed, {stats.workers} workers, "
          f"{stats.reexecutions} re-executions, parallel {stats.parallel}")

    reference = PlainChain.from_genesis(AtomicDB(), genesis_params, genesis_state)
    reference.import_block(block)
    same = reference.get_canonical_head() == chain.get_canonical_head()
    print(f"py-evm's own chain imported it: same head {'yes' if same else 'NO'} (0x{block.hash.hex()})")
    return 0 if same and not failed else 1


if __name__ == "__main__":
    raise SystemExit(main())
