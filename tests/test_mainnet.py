"""The mainnet corpus: every block, through the parallel engine, reproduces gasUsed and
logsBloom, and receiptsRoot from Byzantium on, with the post-state diff, receipts and state
root of the sequential reference; the reference agrees with plain py-evm on a sample."""

import pytest

from parevm import load_block_file
from parevm.replay import replay
from parevm.sequential import PyEvmExecutor, SequentialExecutor
from parevm.forks import is_at_least
from parevm.parallel import ParallelExecutor

from .conftest import MAINNET, mainnet_files, require

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("path", mainnet_files(), ids=lambda p: p.name.split(".")[0])
def test_block_reproduces_header(path):
    block = load_block_file(require(path))
    result = replay(block, ParallelExecutor(workers=2, min_txs=0))
    reference = replay(block, SequentialExecutor())
    assert result.stats.parallel
    assert result.state_diff == reference.state_diff
    assert result.receipts == reference.receipts
    assert result.state_root == reference.state_root
    assert result.checks["gas_used"].ok, result.checks["gas_used"]
    assert result.checks["logs_bloom"].ok
    if is_at_least(block.fork, "Byzantium"):
        assert result.checks["receipts_root"].ok
    else:
        assert result.checks["receipts_root"].ok is None
    assert result.checks["state_root"].ok is None  # partial pre-state


SAMPLE = ["4864590", "12300570", "19932703"]


@pytest.mark.parametrize("number", SAMPLE)
def test_sequential_equals_plain_pyevm(number):
    block = load_block_file(require(MAINNET / f"{number}.json.gz"))
    ours = replay(block)
    theirs = replay(block, PyEvmExecutor())
    assert ours.receipts == theirs.receipts
    assert ours.state_root == theirs.state_root  # over the same partial pre-state
