"""`parevm analyze` on generated blocks whose dependency graph is known from how they were made."""

import pytest

from parevm import depgraph
from parevm.analysis import analyze_block
from parevm.blockfile import block_input_from_json
from parevm.native import Kind
from parevm.workloads import generate
from parevm.workloads.chain import address_of, mine
from parevm.workloads.contracts import contract
from parevm.workloads.genesis import Genesis
from parevm.workloads.tokens import HOLDING, TOKEN, transfer

TRANSFER_GAS = 21_000


def analyzed(name: str, txs: int, contention: int | None = None):
    block = block_input_from_json(generate(name, txs, contention, seed=3), name)
    return block, analyze_block(block)


@pytest.mark.parametrize("name", ["transfers", "erc20", "amm"])
def test_distinct_senders_recipients_and_pools_are_independent(name):
    """Calls into one token contract, or swaps on different pools of the same two tokens,
    share no written key (each touches its own balances and its own pool)."""
    _, analysis = analyzed(name, 12, 12)
    assert analysis.result.ok
    assert analysis.graph.edges == 0
    assert analysis.bound_gas == pytest.approx(sum(analysis.gas) / max(analysis.gas))


@pytest.mark.parametrize("name", ["counter", "amm"])
def test_one_counter_or_one_pool_is_a_chain(name):
    _, analysis = analyzed(name, 10, 1)
    assert analysis.graph.dependencies == (frozenset(),) + tuple(frozenset({i}) for i in range(9))
    assert analysis.by_gas.txs == tuple(range(10))
    assert analysis.bound_gas == 1.0


def test_independent_transfers_weights():
    _, analysis = analyzed("transfers", 12)
    assert analysis.gas == (TRANSFER_GAS,) * 12
    assert analysis.by_gas.weight == TRANSFER_GAS
    assert analysis.bound_gas == 12.0
    assert analysis.bound == pytest.approx(sum(analysis.seconds) / max(analysis.seconds))


@pytest.mark.parametrize("recipients", [1, 2, 3])
def test_hot_recipients_chain_their_transfers_only_in_the_strict_model(recipients):
    """Strictly, a transfer credits its recipient's balance for real (a read, then a write), so
    each transfer depends on the one before it to the same recipient, and on no transfer to
    another. In the engine's model the credit is a delta: a transfer depends only on the first
    one to its recipient, which created the account (its existence)."""
    block, analysis = analyzed("transfers-hot", 12, recipients)
    earlier_to: dict[bytes, list[int]] = {}
    for tx, transaction in enumerate(block.transactions):
        same = earlier_to.setdefault(transaction.to, [])
        depends = analysis.strict.dependencies[tx]
        assert depends <= set(same)
        assert (same[-1] in depends) if same else not depends
        assert analysis.graph.dependencies[tx] == frozenset(same[:1])
        same.append(tx)
    assert len(earlier_to) == recipients
    longest = max(sum(1 for t in block.transactions if t.to == to) for to in earlier_to)
    strict_path = depgraph.critical_path(analysis.strict, analysis.gas)
    assert strict_path.weight == longest * TRANSFER_GAS
    assert analysis.by_gas.weight == (2 if longest > 1 else 1) * TRANSFER_GAS
    assert analysis.bound_gas == pytest.approx(12 / (2 if longest > 1 else 1))
    hottest, count = analysis.hot_accounts(1)[0]
    assert hottest in earlier_to
    assert count == longest - 1


def test_one_senders_payouts_are_independent_only_in_the_engines_model():
    """One sender paying many: strictly a chain (each transaction reads the nonce and balance
    the one before wrote); with lazy account updates no transaction depends on another."""
    block, analysis = analyzed("payouts", 12)
    assert len({t.sender for t in block.transactions}) == 1
    assert analysis.result.ok
    assert analysis.graph.edges == 0
    assert analysis.strict.dependencies == (frozenset(),) + tuple(frozenset({i}) for i in range(11))
    assert analysis.strict_bound == pytest.approx(1.0)
    assert analysis.bound_gas == pytest.approx(12.0)


def test_counter_report():
    _, analysis = analyzed("counter", 10, 1)
    assert analysis.bound == pytest.approx(1.0)
    assert analysis.scheduled(2) == pytest.approx(1.0)
    counter, count = analysis.hot_accounts(1)[0]
    assert counter in analysis.contracts and count == 9
    json_form = analysis.to_json(2)
    assert json_form["dependencies"][1:] == [[i] for i in range(9)]
    assert json_form["bound_at_workers"] == pytest.approx(1.0, abs=1e-3)


def test_a_balance_set_back_to_its_value_is_no_dependency():
    """Holder 0 sends holder 1 no tokens: the token contract writes both balances back as they
    were. Holder 1's transfer after it reads its balance, which that write left as it was:
    validation compares values, so in the engine's model it does not depend on the first;
    strictly (every access a dependency) it does."""
    genesis = Genesis()
    holders = genesis.funded(3, b"holder", 2)
    genesis.token(TOKEN)
    for holder in holders:
        genesis.credit(TOKEN, address_of(holder), HOLDING)
    transactions = [transfer(holders[0], address_of(holders[1]), 0), transfer(holders[1], bytes(19) + b"\x01", 5)]
    block = block_input_from_json(mine(genesis.pre_state(), transactions), "zero transfer")
    analysis = analyze_block(block)
    assert analysis.result.ok
    assert analysis.graph.dependencies == (frozenset(), frozenset())
    assert analysis.strict.dependencies == (frozenset(), frozenset({0}))
    balance = (TOKEN, Kind.STORAGE, contract("Token").slot("balanceOf", address_of(holders[1])))
    assert balance in analysis.result.stats.neutral_keys[0]
