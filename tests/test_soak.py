"""The soak: the mainnet corpus replayed through one engine while workers are killed, hung and
delayed at random; every block's result equals the sequential one and no block hangs.

PAREVM_SOAK_ROUNDS passes over the corpus (1 in `make test`, more in `make soak`), under
PAREVM_SOAK_SEED (printed on failure, so that a failing sequence can be replayed).
"""

import faulthandler
import os
import sys
import time
from collections import Counter

import pytest

from parevm import load_block_file
from parevm.parallel import ParallelExecutor
from parevm.replay import replay
from parevm.sequential import SequentialExecutor

from .chaos import Chaos
from .conftest import MAINNET, mainnet_files, require
from .procs import status_kib

pytestmark = pytest.mark.slow

ROUNDS = int(os.environ.get("PAREVM_SOAK_ROUNDS", "1"))
SEED = int(os.environ.get("PAREVM_SOAK_SEED", "20261121"))
STALL_SECONDS = 1.5
BLOCK_DEADLINE = 600  # far beyond any block here: reaching it means a hang
# A re-run's cause, by the words the engine uses for it (anything else counts as itself).
CAUSES = {
    "ended with wait status": "worker ended",
    "no progress": "stall",
    "critical section of the core": "region lost",  # a lock held by a worker killed in it
}


def _cause(reason):
    return next((cause for words, cause in CAUSES.items() if words in reason), reason)


def test_corpus_under_chaos_equals_sequential():
    require(MAINNET)  # without the corpus there is nothing to soak (not a pass)
    files = [require(path) for path in mainnet_files()]
    blocks = [load_block_file(path) for path in files]
    references = [replay(block, SequentialExecutor()) for block in blocks]
    executor = ParallelExecutor(2, min_txs=0, stall_seconds=STALL_SECONDS, retries=20)
    started, slowest, causes, fallbacks = time.monotonic(), 0.0, Counter(), 0
    rss = []
    with Chaos(executor, SEED, hang_seconds=2 * STALL_SECONDS) as chaos:
        for round_ in range(ROUNDS):
            for block, reference in zip(blocks, references):
                # A hang would never return: dump every thread's stack and fail the run.
                faulthandler.dump_traceback_later(BLOCK_DEADLINE, exit=True)
                began = time.monotonic()
                result = replay(block, executor)
                faulthandler.cancel_dump_traceback_later()
                slowest = max(slowest, time.monotonic() - began)
                where = f"block {block.number}, round {round_}, seed {SEED}"
                assert result.receipts == reference.receipts, where
                assert result.state_diff == reference.state_diff, where
                assert result.state_root == reference.state_root, where
                assert result.ok, where
                causes.update(map(_cause, result.stats.retries))
                fallbacks += not result.stats.parallel
            rss.append(status_kib("VmRSS"))
    seconds = time.monotonic() - started
    retries = sum(causes.values())
    print(
        f"\nsoak: {ROUNDS} x {len(blocks)} blocks in {seconds:.0f} s (slowest {slowest:.1f} s), "
        f"seed {SEED}; chaos {dict(chaos.done)}; {retries} re-runs {dict(causes)}, {fallbacks} sequential "
        f"fallbacks; parent RSS per round (MiB) {[round(k / 1024) for k in rss]}",
        file=sys.stderr,
    )
    assert chaos.done["kill"] > 0 and chaos.done["hang"] + chaos.done["delay"] > 0
    assert retries > 0  # the faults were felt, and survived
