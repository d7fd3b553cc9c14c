"""Differential testing: generated blocks with controlled contention, parallel vs sequential.

Contention knobs: few senders (nonce chains), shared recipients, hot storage slots, value sent
to the fee recipient, contracts reading the fee recipient's balance, the fee recipient as a
sender, zero tips, CREATE and SELFDESTRUCT, reverts and out-of-gas.
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parevm.replay import replay
from parevm.sequential import SequentialExecutor
from parevm.parallel import ParallelExecutor
from parevm.workloads import dynamic_fee_transaction, key, mine

from .blocks import address_of, genesis, load

SEED = 21
RECIPIENTS = [bytes([0xE0 + i]) * 20 for i in range(4)]
INIT_CODE = bytes.fromhex("602a60005500")  # SSTORE(0, 42)
KINDS = {
    # kind: (target, gas)
    "transfer": (None, 21_000),
    "to_fee_recipient": (None, 21_000),
    "counter": ("counter", 60_000),
    "slots": ("slots", 60_000),
    "coinbase_reader": ("coinbase_reader", 60_000),
    "reverter": ("reverter", 60_000),
    "looper": ("looper", 30_000),
    "destructor": ("destructor", 60_000),
    "factory": ("factory", 150_000),
    "create": (None, 100_000),
}

transaction = st.tuples(
    st.integers(0, 5),  # sender index (taken modulo the number of senders)
    st.sampled_from(sorted(KINDS)),
    st.integers(0, 3),  # which recipient or slot
    st.booleans(),  # zero tip
)
blocks = st.fixed_dictionaries(
    {
        "senders": st.integers(1, 6),
        "txs": st.lists(transaction, min_size=2, max_size=20),
        "fee_recipient_sends": st.booleans(),
        "fee_recipient_funds": st.sampled_from([0, 10**18]),
    }
)


def build(spec):
    senders = [key(SEED, b"sender", i) for i in range(spec["senders"])]
    coinbase = (
        senders[0].public_key.to_canonical_address() if spec["fee_recipient_sends"] else b"\xcb" * 20
    )
    nonces = [0] * len(senders)
    txs = []
    for index, kind, param, zero_tip in spec["txs"]:
        who = index % len(senders)
        target, gas = KINDS[kind]
        to = address_of(target) if target else RECIPIENTS[param]
        value, data = 0, b""
        if kind == "transfer":
            value = 1 + param
        elif kind == "to_fee_recipient":
            to, value = coinbase, 10**15
        elif kind == "slots":
            data = param.to_bytes(32, "big")
        elif kind == "create":
            to, data = b"", INIT_CODE
        txs.append(dynamic_fee_transaction(
            senders[who], nonces[who], to, value=value, data=data, gas=gas, tip=0 if zero_tip else 10**9,
        ))
        nonces[who] += 1
    pre = genesis(len(senders), SEED, coinbase, spec["fee_recipient_funds"])
    return load(mine(pre, txs, coinbase=coinbase))


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blocks)
def test_parallel_equals_sequential(spec):
    block = build(spec)
    reference = replay(block, SequentialExecutor())
    assert reference.ok
    for workers in (1, 2, 4):
        result = replay(block, ParallelExecutor(workers, min_txs=0))
        assert result.stats.parallel
        assert result.receipts == reference.receipts, workers
        assert result.state_diff == reference.state_diff, workers
        assert result.state_root == reference.state_root, workers
        assert result.logs_bloom == reference.logs_bloom and result.gas_used == reference.gas_used
