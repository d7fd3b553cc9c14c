"""Generated workloads: every one replays with every check in both modes, is deterministic,
does what it says (no reverts, counters count, pools keep their product, tokens their
supply), and its contracts' artifact matches the Solidity sources it was compiled from."""

import hashlib
import json
from collections import Counter as Tally
from functools import cache

import pytest
from eth_utils import keccak

from parevm import InputError
from parevm.blockfile import block_input_from_json
from parevm.replay import replay
from parevm.sequential import SequentialExecutor
from parevm.parallel import ParallelExecutor
from parevm.workloads import WORKLOADS, generate, transfers, workload_spec
from parevm.workloads.contracts import artifact, contract
from parevm.workloads.counter import COUNTER
from parevm.workloads.mixed import CREATED_SUPPLY

from .blocks import load
from .conftest import ROOT

TXS = 40
TRANSFER_TOPIC = int.from_bytes(keccak(b"Transfer(address,address,uint256)"), "big")


@cache
def replayed(name: str):
    """The block of workload `name` and its sequential and parallel results."""
    block = load(generate(name, TXS, seed=11), name)
    return block, replay(block, SequentialExecutor()), replay(block, ParallelExecutor(2, min_txs=0))


def final_storage(block, result, address: bytes) -> dict[int, int]:
    account = block.pre_state.get(address)
    storage = dict(account.storage) if account else {}
    change = result.state_diff.get(address)
    if change is not None:
        if change.storage_wiped or not change.exists:
            storage = {}
        storage.update(change.storage)
    return {slot: value for slot, value in storage.items() if value}


def accounts_with_code(block, code: bytes) -> list[bytes]:
    return [address for address, account in block.pre_state.items() if account.code == code]


@pytest.mark.parametrize("name", WORKLOADS)
def test_replays_with_every_check_in_both_modes(name):
    block, sequential, parallel = replayed(name)
    assert len(block.transactions) == TXS
    assert set(sequential.check_json().values()) == {True}, sequential.check_json()
    assert set(parallel.check_json().values()) == {True}, parallel.check_json()
    assert parallel.receipts == sequential.receipts
    assert parallel.state_diff == sequential.state_diff
    assert parallel.stats.parallel
    assert [r.status for r in sequential.receipts] == [1] * TXS


@pytest.mark.parametrize("name", WORKLOADS)
def test_deterministic_from_the_seed(name):
    assert generate(name, 24, seed=5) == generate(name, 24, seed=5)
    assert generate(name, 24, seed=5) != generate(name, 24, seed=6)


def test_transfers_is_the_distinct_transfers_workload():
    assert transfers(8, seed=3) == generate("transfers", 8, 8, seed=3)


@pytest.mark.parametrize("name,recipients", [
    ("transfers", TXS), ("transfers-hot", 4), ("erc20", TXS), ("erc20-hot", 4),
])
def test_contention_is_the_number_of_recipients(name, recipients):
    block, sequential, _ = replayed(name)
    if name.startswith("transfers"):
        targets = {tx.to for tx in block.transactions}
    else:
        targets = {log[1][2] for receipt in sequential.receipts for log in receipt.logs}
    assert len(targets) == recipients
    assert len({tx.sender for tx in block.transactions}) == TXS


@pytest.mark.parametrize("name", ["erc20", "erc20-hot", "amm", "mixed"])
def test_token_supply_is_conserved(name):
    block, sequential, _ = replayed(name)
    token = contract("Token")
    supply_slot = token.slot("totalSupply")
    moved = {
        topic.to_bytes(32, "big")[12:]
        for receipt in sequential.receipts for _, topics, _ in receipt.logs
        if topics[0] == TRANSFER_TOPIC for topic in topics[1:3]
    }
    holders = set(block.pre_state) | moved
    tokens = accounts_with_code(block, token.runtime)
    assert len(tokens) == (1 if name.startswith("erc20") else 2)
    for address in tokens:
        before = block.pre_state[address].storage
        after = final_storage(block, sequential, address)
        assert sum(before.get(token.slot("balanceOf", h), 0) for h in holders) == before[supply_slot]
        assert sum(after.get(token.slot("balanceOf", h), 0) for h in holders) == before[supply_slot]
        assert after[supply_slot] == before[supply_slot]


@pytest.mark.parametrize("name", ["amm", "mixed"])
def test_pools_keep_their_product_and_hold_their_reserves(name):
    block, sequential, _ = replayed(name)
    pair, token = contract("Pair"), contract("Token")
    pools = accounts_with_code(block, pair.runtime)
    assert len(pools) == 4
    swapped = 0
    for pool in pools:
        before = dict(block.pre_state[pool].storage)
        after = final_storage(block, sequential, pool)
        reserves = [pair.slot("reserve0"), pair.slot("reserve1")]
        assert after[reserves[0]] * after[reserves[1]] >= before[reserves[0]] * before[reserves[1]]
        swapped += after != before
        for token_slot, reserve in zip([pair.slot("token0"), pair.slot("token1")], reserves):
            held = final_storage(block, sequential, after[token_slot].to_bytes(20, "big"))
            assert held[token.slot("balanceOf", pool)] == after[reserve]
    assert swapped


@pytest.mark.parametrize("name", ["counter", "mixed"])
def test_counters_count_every_increment(name):
    block, sequential, _ = replayed(name)
    code = contract("Counter")
    selector = code.selectors["increment(uint256)"]
    increments = Tally(
        int.from_bytes(tx.data[4:], "big") for tx in block.transactions
        if tx.to == COUNTER and tx.data[:4] == selector
    )
    assert sum(increments.values()) == {"counter": TXS, "mixed": TXS // 20}[name]
    expected = {code.slot("counts", counter): count for counter, count in increments.items()}
    assert final_storage(block, sequential, COUNTER) == expected


def test_mixed_creates_tokens_and_pays_out_from_one_wallet():
    block, sequential, _ = replayed("mixed")
    token = contract("Token")
    created = [a for a, c in sequential.state_diff.items() if c.code == token.runtime]
    creations = [tx for tx in block.transactions if not tx.to]
    assert len(created) == len(creations) >= 2
    for address in created:
        assert final_storage(block, sequential, address)[token.slot("totalSupply")] == CREATED_SUPPLY
    senders = Tally(tx.sender for tx in block.transactions)
    exchange, payouts = senders.most_common(1)[0]
    assert payouts >= 2
    nonces = [tx.nonce for tx in block.transactions if tx.sender == exchange]
    assert nonces == list(range(payouts))
    assert sequential.state_diff[exchange].nonce == payouts


@pytest.mark.parametrize("wallets", [1, 3])
def test_payouts_come_from_k_wallets_with_consecutive_nonces(wallets):
    block = block_input_from_json(generate("payouts", TXS, wallets, seed=2), "payouts")
    senders = Tally(tx.sender for tx in block.transactions)
    assert len(senders) == wallets
    for sender in senders:
        assert [tx.nonce for tx in block.transactions if tx.sender == sender] == list(range(senders[sender]))
    assert len({tx.to for tx in block.transactions}) == TXS
    assert not set(tx.to for tx in block.transactions) & set(block.pre_state)


def test_workload_spec():
    assert workload_spec("erc20-hot:8") == (WORKLOADS["erc20-hot"], 8)
    assert workload_spec("amm") == (WORKLOADS["amm"], None)
    assert list(WORKLOADS) == [
        "transfers", "transfers-hot", "payouts", "erc20", "erc20-hot", "amm", "counter", "mixed",
    ]


@pytest.mark.parametrize("spec", ["nope", "amm:0", "amm:x", "amm:-1", "amm:", ":4", "erc20:1.5"])
def test_bad_spec_is_an_input_error_listing_the_names(spec):
    with pytest.raises(InputError) as info:
        workload_spec(spec)
    assert info.value.source == "--workload"
    assert "\n" not in str(info.value)
    assert all(name in info.value.message for name in WORKLOADS)


@pytest.mark.parametrize("args,source", [
    (("nope", 4), "--workload"), (("amm", 0), "--txs"), (("amm", 4, 0), "--workload"),
    (("amm", 4, None, -1), "--seed"),
])
def test_bad_generate_arguments(args, source):
    with pytest.raises(InputError) as info:
        generate(*args)
    assert info.value.source == source


def test_artifact_matches_the_sources():
    sources = ROOT / "contracts"
    recorded = artifact()["sources"]
    assert sorted(recorded) == sorted(path.name for path in sources.glob("*.sol"))
    for name, digest in recorded.items():
        assert hashlib.sha256((sources / name).read_bytes()).hexdigest() == digest, (
            f"contracts/{name} changed since contracts.json was compiled: run `make contracts`"
        )
    pinned = json.loads((sources / "package.json").read_text())["dependencies"]["solc"]
    assert artifact()["solc"].startswith(pinned + "+")

