"""Sequential replay of generated blocks: py-evm's own mining is the independent oracle."""

import json

from parevm import load_block_file
from parevm.replay import replay
from parevm.sequential import PyEvmExecutor, SequentialExecutor
from parevm.jsonfile import read_json, write_json
from parevm.workloads import FUNDS, transfers


def test_generated_block_passes_every_check(generated_block_file):
    result = replay(load_block_file(generated_block_file))
    assert result.check_json() == {
        "gas_used": True, "logs_bloom": True, "receipts_root": True, "state_root": True,
    }
    assert result.gas_used == 40 * 21_000
    assert [r.status for r in result.receipts] == [1] * 40
    assert result.receipts[-1].cumulative_gas_used == 40 * 21_000


def test_state_diff_of_transfers(generated_block_file):
    block = load_block_file(generated_block_file)
    result = replay(block)
    for index, tx in enumerate(block.transactions):
        sender = result.state_diff[tx.sender]
        assert sender.nonce == 1
        price = min(tx.max_fee_per_gas, block.header.base_fee_per_gas + tx.max_priority_fee_per_gas)
        assert sender.balance == FUNDS - tx.value - 21_000 * price
        recipient = result.state_diff[tx.to]
        assert recipient.exists and recipient.balance == 10**15 + index


def test_matches_plain_pyevm(generated_block_file):
    block = load_block_file(generated_block_file)
    ours = replay(block, SequentialExecutor())
    theirs = replay(block, PyEvmExecutor())
    assert ours.receipts == theirs.receipts
    assert ours.state_root == theirs.state_root
    assert theirs.state_diff == {}  # py-evm's own state does not record a diff


def test_wrong_expectation_is_a_mismatch(generated_block_file, tmp_path):
    data = read_json(generated_block_file)
    data["block"]["receiptsRoot"] = "0x" + "11" * 32
    data["block"].pop("hash")  # the header no longer hashes to the original
    bad = tmp_path / "bad.json"
    write_json(bad, data)
    result = replay(load_block_file(bad))
    assert result.checks["receipts_root"].ok is False
    assert result.checks["gas_used"].ok is True
    assert not result.ok
    json.dumps(result.to_json())


def test_generation_is_deterministic():
    assert transfers(3, seed=1) == transfers(3, seed=1)
    assert transfers(3, seed=1) != transfers(3, seed=2)
