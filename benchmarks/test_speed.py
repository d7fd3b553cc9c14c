"""Quick speed checks for developers (pytest-benchmark): `make bench-quick`.

Every workload at a small size, replayed by plain py-evm, parevm sequential and the parallel
engine with 2 workers; grouped per workload so the modes compare side by side. Each run must
pass the block's checks and starts from the transactions as loaded, as `parevm bench` times a
run; times are reported, never asserted (`make bench` is the full report).
"""

import pytest

from parevm.blockfile import block_input_from_json
from parevm.loaded import AsLoaded
from parevm.parallel import ParallelExecutor
from parevm.replay import replay
from parevm.sequential import PyEvmExecutor, SequentialExecutor
from parevm.workloads import WORKLOADS, generate

TXS = 200
EXECUTORS = {
    "py-evm": PyEvmExecutor,
    "sequential": SequentialExecutor,
    "parallel-2": lambda: ParallelExecutor(workers=2),
}


@pytest.fixture(scope="module", params=list(WORKLOADS))
def block(request):
    """The block, and its transactions as loaded (each timed run starts from them)."""
    block = block_input_from_json(generate(request.param, TXS, seed=1), request.param)
    return block, AsLoaded(block.transactions)


@pytest.mark.parametrize("mode", list(EXECUTORS))
def test_replay(benchmark, block, mode):
    block, loaded = block
    benchmark.group = block.source
    executor = EXECUTORS[mode]()
    result = benchmark.pedantic(
        replay, args=(block, executor), setup=loaded.restore, rounds=3, iterations=1
    )
    assert result.ok, result.check_json()
    if result.stats is not None:
        benchmark.extra_info["reexecutions"] = result.stats.reexecutions
