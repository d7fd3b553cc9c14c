"""A block of 10,000 transactions replays in parallel exactly as sequentially, within the memory
bound the README states (the core running out of capacity: tests/test_parallel.py)."""

import json
import resource
import subprocess
import sys
from dataclasses import replace

from parevm import Engine, Expected, generate_block
from parevm.workloads import dynamic_fee_transaction
from parevm.workloads.chain import addresses
from parevm.workloads.genesis import Genesis

from .conftest import ROOT
from .procs import status_kib

TRANSACTIONS = 10_000
BOUND_MIB = 512  # resident, in the parent and in each worker (README, "Guarantees")


def big_block(txs: int = TRANSACTIONS):
    """`txs` transfers, half of them to 100 shared recipients, on the header of a mined
    one-transaction block (mining 10,000 through py-evm would take minutes); the replay is
    then checked against the sequential reference rather than against the header."""
    genesis = Genesis()
    senders = genesis.funded(11, b"big-sender", txs)
    targets = addresses(11, b"big-recipient", txs // 2 + 100)
    transactions = tuple(
        dynamic_fee_transaction(sender, 0, targets[i % 100 if i % 2 else 100 + i // 2], value=10**15)
        for i, sender in enumerate(senders)
    )
    template = generate_block("transfers", 1)
    header = template.header.copy(gas_limit=2 * 21_000 * txs)
    return replace(template, header=header, transactions=transactions,
                   pre_state=genesis.pre_state(), expected=Expected())


def measure() -> None:
    """Run in a fresh process, so that its peak memory is this block's alone."""
    block = big_block()
    sequential = Engine(mode="sequential").execute(block)
    parallel = Engine(2, min_txs=0).execute(block)
    print(json.dumps({
        "same": (parallel.receipts, parallel.state_root, parallel.state_diff)
        == (sequential.receipts, sequential.state_root, sequential.state_diff),
        "transactions": parallel.transactions,
        "parallel": parallel.stats.parallel,
        "retries": parallel.stats.retries,
        "reexecutions": parallel.stats.reexecutions,
        # VmHWM, not RUSAGE_SELF: ru_maxrss survives execve, so it would also count the pytest
        # process this one was started from.
        "parent_mib": status_kib("VmHWM") / 1024,
        "worker_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }))


def test_ten_thousand_transactions_replay_exactly_within_the_bound():
    done = subprocess.run(
        [sys.executable, "-c", "from tests.test_limits import measure; measure()"],
        cwd=ROOT, capture_output=True, text=True, timeout=1200,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.splitlines()[-1])
    print(figures)
    assert figures["same"] and figures["transactions"] == TRANSACTIONS
    assert figures["parallel"] and not figures["retries"]
    assert figures["parent_mib"] < BOUND_MIB and figures["worker_mib"] < BOUND_MIB, figures
