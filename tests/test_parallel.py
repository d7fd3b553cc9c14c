"""The parallel engine against the sequential reference: equal results, determinism, the
small-block fallback, worker faults, invalid transactions, conflicting transactions."""

import os
import signal
import threading
import time
from types import SimpleNamespace

import pytest
from eth_utils import ValidationError

from parevm import load_block_file, parallel
from parevm.replay import replay
from parevm.sequential import SequentialExecutor
from parevm.parallel import EngineError, ParallelExecutor, long_first
from parevm.blockinput import Account
from parevm.forks import FORKS
from parevm.native import Kind
from parevm.stats import WORKER_TIMES
from parevm.workloads import FUNDS, dynamic_fee_transaction, key, mine
from parevm.workloads.chain import CHAIN_ID

from .blocks import CONTRACTS, address_of, genesis, load, transfers_to
from .conftest import MAINNET, require
from .procs import descendants


def same_result(block, executor):
    reference = replay(block, SequentialExecutor())
    result = replay(block, executor)
    assert result.receipts == reference.receipts
    assert result.state_diff == reference.state_diff
    assert result.state_root == reference.state_root
    assert (result.gas_used, result.logs_bloom, result.receipts_root) == (
        reference.gas_used, reference.logs_bloom, reference.receipts_root,
    )
    return result


def spent(stats):
    """The workers' account of their time: every kind, and no more than they had."""
    seconds = stats.worker_seconds
    assert set(seconds) == set(WORKER_TIMES)
    assert min(seconds.values()) >= 0
    assert sum(seconds.values()) <= stats.workers * stats.phases["parallel"]
    return seconds


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_independent_transfers(generated_block_file, workers):
    result = same_result(load_block_file(generated_block_file), ParallelExecutor(workers, min_txs=0))
    assert result.ok
    assert result.stats.parallel and result.stats.workers == workers
    assert result.stats.executions == 40 and result.stats.reexecutions == 0
    seconds = spent(result.stats)
    assert seconds["executions"] > 0 and seconds["reexecutions"] == 0
    if workers == 1:  # nothing below a transaction is ever in flight
        assert seconds["waits"] == 0


def test_hot_counter_conflicts_are_reexecuted():
    senders = [key(5, b"sender", i) for i in range(24)]
    txs = [dynamic_fee_transaction(s, 0, address_of("counter"), gas=60_000) for s in senders]
    block = load(mine(genesis(24, 5, None, 0), txs))
    result = same_result(block, ParallelExecutor(2, min_txs=0))
    assert result.state_diff[address_of("counter")].storage == {0: 24}
    assert result.stats.executions >= 24


def test_hot_recipient_and_fee_recipient_credit():
    coinbase = b"\xcb" * 20
    block = transfers_to(coinbase, 30)  # every transfer pays the fee recipient directly
    result = same_result(block, ParallelExecutor(2, min_txs=0))
    assert result.ok


def test_deterministic_across_runs_and_worker_counts():
    senders = [key(6, b"sender", i) for i in range(4)]
    txs = []
    for i in range(32):
        sender = senders[i % 4]
        target = address_of(["counter", "slots", "coinbase_reader", "factory"][i % 4])
        data = (i % 3).to_bytes(32, "big") if target == address_of("slots") else b""
        txs.append(dynamic_fee_transaction(sender, i // 4, target, data=data, gas=120_000))
    block = load(mine(genesis(4, 6, b"\xcb" * 20, 10**18), txs, coinbase=b"\xcb" * 20))
    results = [replay(block, ParallelExecutor(w, min_txs=0)) for w in (1, 2, 4, 2)]
    first = results[0]
    for other in results[1:]:
        assert other.receipts == first.receipts and other.state_diff == first.state_diff
        assert other.state_root == first.state_root


def test_small_blocks_fall_back_with_a_reason(generated_block_file):
    block = load(mine(genesis(2, 1, None, 0), [
        dynamic_fee_transaction(key(1, b"sender", 0), 0, b"\x01" * 20, value=1),
    ]))
    fallback = replay(block, ParallelExecutor(2))
    assert not fallback.stats.parallel and "too few" in fallback.stats.fallback
    assert fallback.mode == "sequential (fallback)"
    forced = replay(block, ParallelExecutor(2, min_txs=0))
    assert forced.stats.parallel and forced.receipts == fallback.receipts


def test_invalid_transaction_is_rejected_like_sequential():
    sender = key(8, b"sender", 0)
    txs = [dynamic_fee_transaction(sender, n, b"\x02" * 20, value=1) for n in range(10)]
    good = mine(genesis(1, 8, None, 0), txs)
    bad_tx = dynamic_fee_transaction(sender, 12, b"\x02" * 20, value=1)  # skips nonces 10, 11
    block = _with(load(good), bad_tx)
    _rejected_like_sequential(block)


def _rejected_like_sequential(block, workers=(2,)):
    """The block is invalid, and the parallel engine with each number of `workers` says so in
    sequential py-evm's words; those words."""
    with pytest.raises(ValidationError) as sequential:
        replay(block, SequentialExecutor())
    for count in workers:
        with pytest.raises(ValidationError) as parallel:
            replay(block, ParallelExecutor(count, min_txs=0))
        assert str(parallel.value) == str(sequential.value)
    return str(sequential.value)


def _with(block, *transactions):
    return type(block)(**{**block.__dict__, "transactions": block.transactions + transactions})


def test_a_sender_funded_in_the_block_is_checked_at_commit_like_sequential():
    """A lazy sender's nonce and funds are assumed in the workers and checked at commit. The
    spender is funded by transaction 0 and spends in the nine after it, which a worker may run
    first; a last payment beyond what is left makes the block invalid with sequential's error."""
    payer, spender = key(7, b"payer", 0), key(7, b"spender", 0)
    pre = {payer.public_key.to_canonical_address(): Account(balance=FUNDS)}
    txs = [dynamic_fee_transaction(payer, 0, spender.public_key.to_canonical_address(), value=10**18)]
    txs += [dynamic_fee_transaction(spender, n, bytes([0x40 + n]) * 20, value=10**16) for n in range(9)]
    block = load(mine(pre, txs))
    assert same_result(block, ParallelExecutor(2, min_txs=0)).stats.parallel
    overdraft = _with(block, dynamic_fee_transaction(spender, 9, b"\x4f" * 20, value=10**18))
    assert "balance" in _rejected_like_sequential(overdraft, workers=(1, 2))


_VALUE = 10**15


@pytest.mark.parametrize("beyond_fees, valid", [(_VALUE, True), (_VALUE - 1, True), (-1, False)])
def test_a_lazy_sender_at_the_edge_of_its_funds_is_checked_like_sequential(beyond_fees, valid):
    """The commit's quick check of a lazy sender (its nonce, and funds for gas times the
    maximum fee plus the value) at its edge: funds for exactly that pass it; a wei less goes
    to py-evm's own checks, which still pass (they charge the effective price on the value,
    the maximum fee without it); below gas times the maximum fee the block is invalid, with
    sequential's error."""
    payer, spender = key(10, b"payer", 0), key(10, b"spender", 0)
    last = dynamic_fee_transaction(spender, 0, b"\x51" * 20, value=_VALUE)
    pre = {
        payer.public_key.to_canonical_address(): Account(balance=FUNDS),
        spender.public_key.to_canonical_address(): Account(balance=last.gas * last.max_fee_per_gas + beyond_fees),
    }
    txs = [dynamic_fee_transaction(payer, n, b"\x50" * 20, value=1) for n in range(8)]
    block = _with(load(mine(pre, txs)), last)
    if valid:
        assert same_result(block, ParallelExecutor(2, min_txs=0)).stats.parallel
    else:
        _rejected_like_sequential(block)


@pytest.mark.parametrize("r, s, v", [(5, 7, 27), (1, 1, 29)])
def test_a_bad_signature_is_rejected_like_sequential(r, s, v):
    """The sender is recovered only after py-evm's own signature check, so a transaction whose
    signature recovers nothing is the invalid block sequential py-evm reports, not a crash."""
    sender = key(8, b"sender", 0)
    good = load(mine(genesis(1, 8, None, 0), [dynamic_fee_transaction(sender, n, b"\x02" * 20, value=1) for n in range(9)]))
    forged = FORKS["Cancun"].get_transaction_builder().new_transaction(
        nonce=9, gas_price=10**11, gas=21_000, to=b"\x02" * 20, value=1, data=b"", v=v, r=r, s=s,
    )
    block = _with(good, forged)
    _rejected_like_sequential(block)


def _big_block():
    senders = [key(9, b"sender", i) for i in range(300)]
    txs = [dynamic_fee_transaction(s, 0, address_of("slots"), data=i.to_bytes(32, "big"), gas=60_000)
           for i, s in enumerate(senders)]
    return load(mine(genesis(300, 9, None, 0), txs))


def test_leaves_ahead_of_the_root_are_timed_apart_from_the_commit():
    """From Byzantium on, every 64 transactions committed, the parent computes the leaves
    written so far (prepare_root): state-root work, in its own phase beside the commit's."""
    result = same_result(_big_block(), ParallelExecutor(2, min_txs=0))
    assert result.stats.phases["commit_beside"] > 0 and result.stats.phases["root_ahead"] > 0


def test_the_outcomes_of_the_blocks_last_transactions_go_out_one_by_one(monkeypatch):
    """A forked worker batches its outcomes, but not among the block's last 64 transactions:
    there each one closes its message, so the parent commits it while the others still run
    rather than after them."""
    from parevm.frames import Inbox

    messages = []
    receive = Inbox.receive

    def recorded(self):
        got = receive(self)
        messages.extend([tx for tx, _, _ in message[1]] for message in got if message[0] == "outcomes")
        return got

    monkeypatch.setattr(Inbox, "receive", recorded)
    same_result(_big_block(), ParallelExecutor(2, min_txs=0, parent_works=False))
    tail = [txs for txs in messages if max(txs) >= 300 - 64]
    assert tail and len(messages) < 300  # batched before the tail
    assert all(tx < 300 - 64 for txs in tail for tx in txs[:-1])


def _first(flag):
    """True the first time a process of this test gets here (the flag file marks it), so that a
    fault happens once per test, not once per run of the block."""
    try:
        os.close(os.open(flag, os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return False
    return True


def _once_in_a_worker(monkeypatch, flag, action, at=5):
    """The first forked worker to start executing a tx from `at` on calls action(worker) in
    itself: a fault at a known point of the block, once per test (`_first`). Not the parent,
    which may be one of the workers."""
    from parevm.worker import Worker

    execute = Worker.execute
    parent = os.getpid()

    def hooked(self, tx, incarnation):
        if tx >= at and os.getpid() != parent and _first(flag):
            action(self)
        return execute(self, tx, incarnation)

    monkeypatch.setattr(Worker, "execute", hooked)


def test_finished_workers_exit_while_the_parent_takes_the_roots(generated_block_file, monkeypatch):
    """A worker that sent its last message is done: the block does not wait for its exit (the
    kernel unmapping its copy of the parent's memory); replay reaps it after the roots."""
    forked, exiting = [], []
    fork = parallel.fork_bound
    monkeypatch.setattr(parallel, "fork_bound", lambda work: forked.append(fork(work)) or forked[-1])
    executor = ParallelExecutor(2, min_txs=0, parent_works=False)
    settle = executor.settle

    def settling():
        exiting.append(sorted(executor.exiting))
        settle()

    monkeypatch.setattr(executor, "settle", settling)
    same_result(load_block_file(generated_block_file), executor)
    assert len(forked) == 2 and exiting == [[], sorted(forked)]  # before the block, after its roots
    assert executor.exiting == []
    for pid in forked:
        with pytest.raises(ChildProcessError):  # reaped
            os.waitpid(pid, os.WNOHANG)


def test_a_replay_that_fails_after_the_block_leaves_no_worker(generated_block_file, monkeypatch):
    """Its finished workers were left to exit beside the roots; the failure still reaps them."""
    from parevm import replay as replay_module

    def failing(*args):
        raise RuntimeError("the roots failed")

    monkeypatch.setattr(replay_module, "_finalize", failing)
    executor = ParallelExecutor(2, min_txs=0, parent_works=False)
    others = descendants(os.getpid()).keys()
    with pytest.raises(RuntimeError, match="the roots failed"):
        replay(load_block_file(generated_block_file), executor)
    assert executor.exiting == [] and descendants(os.getpid()).keys() - others == set()


def test_a_killed_worker_costs_a_rerun_not_a_wrong_result(monkeypatch, tmp_path):
    _once_in_a_worker(monkeypatch, tmp_path / "hit", lambda _: os.kill(os.getpid(), signal.SIGKILL))
    result = same_result(_big_block(), ParallelExecutor(2, min_txs=0))
    assert result.stats.retries and "worker lost" in result.stats.retries[0]
    assert result.stats.parallel


def _half_a_message_then(monkeypatch, tmp_path, signal_number):
    """The first forked worker to flush a batch writes half of it, then sends itself the signal."""
    from parevm.frames import frame
    from parevm.worker import Worker

    flush = Worker.flush
    parent = os.getpid()

    def cut_off(self):
        if os.getpid() == parent or not _first(tmp_path / "hit"):
            return flush(self)
        message = frame(("outcomes", self.pending))
        os.write(self.results.fd, message[: len(message) // 2])
        os.kill(os.getpid(), signal_number)
        return flush(self)  # only a stopped worker comes back here

    monkeypatch.setattr(Worker, "flush", cut_off)


def test_a_worker_killed_while_it_sends_costs_a_rerun(monkeypatch, tmp_path):
    """A worker killed halfway through writing a batch leaves the parent half a message (the
    soak test hit this): a lost worker, not an error out of the pipe."""
    _half_a_message_then(monkeypatch, tmp_path, signal.SIGKILL)
    result = same_result(_big_block(), ParallelExecutor(2, min_txs=0))
    assert result.stats.retries == ["worker lost: a worker ended with wait status 9, in the middle of a message"]


def test_a_worker_stopped_while_it_sends_is_detected(monkeypatch, tmp_path):
    """Half a message must not block the parent's read: the stall check sees the worker
    stopped and the block is run again."""
    _half_a_message_then(monkeypatch, tmp_path, signal.SIGSTOP)
    result = _same_result_with_a_stopped_worker()
    assert result.stats.retries == ["worker lost: no progress for 2 s, a worker stopped"]


def _same_result_with_a_stopped_worker():
    """_big_block on 2 workers with a 2 s stall limit, one of which stops itself. Should the
    parent not catch it, the workers are resumed after 60 s: the test fails, not hangs."""
    executor = ParallelExecutor(2, min_txs=0, stall_seconds=2)
    watchdog = threading.Timer(60, lambda: [os.kill(pid, signal.SIGCONT) for pid in executor.worker_pids])
    watchdog.start()
    try:
        return same_result(_big_block(), executor)
    finally:
        watchdog.cancel()


def _lost_late(monkeypatch, tmp_path, block, at):
    """Runs `block` on 2 forked workers, one of which dies once it has started transaction
    `at` and waited while the parent committed what lies below; the commits the parent
    made, counted over both runs (same_result checks the outcome)."""
    from parevm.commit import OrderedCommit

    committed = []
    add = OrderedCommit.add

    def counted(self, outcome):
        committed.append(self.count)
        add(self, outcome)

    monkeypatch.setattr(OrderedCommit, "add", counted)

    def die_late(worker):
        # What it finished goes out first: its batch may hold the block's lowest outcomes (a
        # worker kept off the cores while the other ran up to `at`, as in a loaded CI run).
        worker.flush()
        time.sleep(0.5)  # the parent commits what lies below meanwhile
        os.kill(os.getpid(), signal.SIGKILL)

    _once_in_a_worker(monkeypatch, tmp_path / "hit", die_late, at=at)
    result = same_result(block, ParallelExecutor(2, min_txs=0, parent_works=False))
    assert result.stats.retries and "worker lost" in result.stats.retries[0]
    return len(committed)


def test_a_rerun_first_rolls_back_what_the_lost_run_committed(monkeypatch, tmp_path):
    """The parent commits beside the workers: when a worker is lost late in the block, most of
    it is already applied to the block's state, and the re-run must start from before it."""
    # the lost run had committed transactions, since rolled back
    assert _lost_late(monkeypatch, tmp_path, _big_block(), at=250) > 300


PRE_BYZANTIUM = MAINNET / "4330482.json.gz"  # Spurious Dragon, 237 transactions


@pytest.mark.parametrize("parent_works", [False, True], ids=["forked-workers", "parent-worker"])
def test_pre_byzantium_commit_beside_the_workers(parent_works):
    """Receipts then hold the state root after their transaction: the commit takes those
    roots beside the workers, each moving its writes down into the committed layer, while
    the workers (the parent's own too) read the block's state as it was before them."""
    block = load_block_file(require(PRE_BYZANTIUM))
    result = same_result(block, ParallelExecutor(2, min_txs=0, parent_works=parent_works))
    assert result.stats.parallel and result.stats.phases["commit_beside"] > 0


def test_a_pre_byzantium_rerun_rolls_back_the_roots_taken(monkeypatch, tmp_path):
    """A lost run's commit took roots, which moved its writes below the top layer: clearing
    the top is not enough to start again from before the transactions."""
    block = load_block_file(require(PRE_BYZANTIUM))
    assert _lost_late(monkeypatch, tmp_path, block, at=200) > len(block.transactions)


def _region_lost_once(monkeypatch, flag, in_parent):
    """The core reports the region lost (PV_ELOST, as a wait on the lock of a process that died
    in a critical section ends: native/tests/test_lock.c) once, to the parent's own worker or
    to a forked one, when it finishes executing a transaction from 5 on."""
    from parevm import core

    finish = core.Core.finish_execution
    parent = os.getpid()

    def lost(self, tx, incarnation, wrote_new_key):
        if tx >= 5 and (os.getpid() == parent) == in_parent and _first(flag):
            core._check(core.lib.PV_ELOST, "finish_execution")
        return finish(self, tx, incarnation, wrote_new_key)

    monkeypatch.setattr(core.Core, "finish_execution", lost)


@pytest.mark.parametrize("in_parent", [False, True], ids=["forked-worker", "parent-worker"])
def test_a_lost_region_costs_a_rerun(monkeypatch, tmp_path, in_parent):
    _region_lost_once(monkeypatch, tmp_path / "hit", in_parent)
    result = same_result(_big_block(), ParallelExecutor(2, min_txs=0, parent_works=True))
    assert result.stats.retries == [
        "worker lost: finish_execution: a process died inside a critical section of the core"
    ]
    assert (tmp_path / "hit").exists()


def test_a_hung_worker_is_detected(monkeypatch, tmp_path):
    """A worker that stops making progress (asleep here; the others go idle) costs a re-run."""
    _once_in_a_worker(monkeypatch, tmp_path / "hit", lambda _: time.sleep(60))
    result = same_result(_big_block(), ParallelExecutor(2, min_txs=0, stall_seconds=2))
    assert result.stats.retries[0] == "worker lost: no progress for 2 s"


def test_a_stopped_worker_is_detected_while_the_others_spin(monkeypatch, tmp_path):
    """A worker stopped (SIGSTOP) perhaps inside a lock of the core, while the others burn CPU
    waiting on it (idle workers made to yield forever instead of sleeping): busy, but stuck."""
    monkeypatch.setattr("parevm.core.SPINS", 10**12)
    _once_in_a_worker(monkeypatch, tmp_path / "hit", lambda _: os.kill(os.getpid(), signal.SIGSTOP))
    result = _same_result_with_a_stopped_worker()
    assert result.stats.retries[0] == "worker lost: no progress for 2 s, a worker stopped"


def test_a_long_transaction_is_not_a_stall(monkeypatch):
    """A worker computing for longer than the stall limit without finishing (the BLS MSM
    fixtures' transactions take minutes) is busy, not stuck: the forked worker's first
    execution, while the parent runs out of work of its own and waits on it."""
    from parevm.worker import Worker

    execute = Worker.execute
    parent, slowed = os.getpid(), []

    def slow_first(self, tx, incarnation):
        if os.getpid() != parent and not slowed:
            slowed.append(tx)
            end = time.process_time() + 2.5
            while time.process_time() < end:
                pass
        return execute(self, tx, incarnation)

    monkeypatch.setattr(Worker, "execute", slow_first)
    result = same_result(_big_block(), ParallelExecutor(2, min_txs=0, stall_seconds=0.8))
    assert result.stats.parallel and not result.stats.retries


def test_every_contract_kind_runs(generated_block_file):
    coinbase = b"\xcb" * 20
    senders = [key(11, b"sender", i) for i in range(len(CONTRACTS) + 1)]
    txs = [dynamic_fee_transaction(s, 0, address_of(name), gas=80_000)
           for s, name in zip(senders, CONTRACTS)]
    creation = dynamic_fee_transaction(senders[-1], 0, b"", data=bytes.fromhex("602a60005500"), gas=100_000)
    block = load(mine(genesis(len(senders), 11, coinbase, 0), txs + [creation], coinbase=coinbase))
    result = same_result(block, ParallelExecutor(2, min_txs=0))
    statuses = [r.status for r in result.receipts]
    assert statuses[list(CONTRACTS).index("reverter")] == 0
    assert statuses[list(CONTRACTS).index("looper")] == 0
    assert statuses[list(CONTRACTS).index("counter")] == 1


@pytest.mark.parametrize("name, reads_balance", [("forwarder", False), ("payer", True), ("self_reader", True)])
def test_a_call_reads_its_callers_balance_only_if_it_sends_value(name, reads_balance):
    """Every transaction pays the contract, which then calls an account. py-evm reads the
    caller's balance at every call; a call that sends no value never looks at it, so it must
    not make the transactions depend on each other's payments. Sending value, or BALANCE after
    the call, does."""
    senders = [key(12, b"sender", i) for i in range(12)]
    txs = [dynamic_fee_transaction(s, 0, address_of(name), value=10**9, gas=100_000) for s in senders]
    block = load(mine(genesis(12, 12, None, 0), txs))
    result = same_result(block, ParallelExecutor(2, min_txs=0, keys=True))
    assert all(receipt.status == 1 for receipt in result.receipts)
    balance = (address_of(name), Kind.BALANCE, None)
    assert [balance in reads for reads in result.stats.read_keys] == [reads_balance] * 12


def test_capacity_running_out_grows_and_reruns(generated_block_file, monkeypatch):
    from parevm.core import Core

    tiny = {"txs": 40, "keys": 64, "entries": 32, "reads": 64, "code_bytes": 4096}
    monkeypatch.setattr(Core, "default_limits", staticmethod(lambda txs: dict(tiny, txs=txs)))
    result = same_result(load_block_file(generated_block_file), ParallelExecutor(2, min_txs=0))
    assert result.stats.parallel
    assert any(retry.startswith("capacity") for retry in result.stats.retries)
    assert result.stats.phases["failed_attempts"] > 0  # the wasted attempt's time is reported


def test_view_checkpoints_are_unique_and_nest():
    """Two snapshots with no write between them must still differ (Cancun's transient storage
    journals the same checkpoints and rejects a repeated one)."""
    from parevm.txview import TrackingAccountDB

    view = TrackingAccountDB(base=None)
    outer = view.record()
    view.mark_address_warm(b"\x01" * 20)
    inner = view.record()
    again = view.record()
    assert len({outer, inner, again}) == 3
    view.mark_address_warm(b"\x02" * 20)
    view.discard(again)
    assert view.is_address_warm(b"\x01" * 20) and not view.is_address_warm(b"\x02" * 20)
    view.commit(inner)
    view.discard(outer)
    assert not view.is_address_warm(b"\x01" * 20)


def test_a_speculative_balance_beyond_2_256_is_an_invalid_incarnation():
    """Lower debits folded without the credits that fund them can make a SELFDESTRUCT's
    beneficiary balance overflow in a speculative incarnation: py-evm's own ValidationError (an
    incarnation validation re-runs), never a crash while packing the write set."""
    from parevm.txview import TrackingAccountDB

    view = TrackingAccountDB(base=None)
    with pytest.raises(ValidationError):
        view.set_balance(b"\x01" * 20, 2**256)


@pytest.mark.parametrize("type_id, lazy", [(None, True), (2, True), (3, False)])
def test_blob_senders_are_never_lazy(type_id, lazy):
    """py-evm's checks of a blob transaction leave out its value (the top-level call's funds
    check catches a shortfall), so that check cannot be assumed for its sender."""
    from types import SimpleNamespace

    from parevm.txview import lazy_sender

    transaction = SimpleNamespace(type_id=type_id, nonce=3, value=1)
    assert lazy_sender(SimpleNamespace(get_gas_price=lambda tx: 1), transaction) is lazy


def test_without_fallback_a_failed_parallel_run_raises(monkeypatch, tmp_path):
    _once_in_a_worker(monkeypatch, tmp_path / "hit", lambda _: os.kill(os.getpid(), signal.SIGKILL))
    executor = ParallelExecutor(2, min_txs=0, retries=0, fallback=False)
    with pytest.raises(EngineError, match="parallel run failed 1 times: worker lost"):
        replay(_big_block(), executor)


@pytest.mark.parametrize("executor", [SequentialExecutor(), ParallelExecutor(2, min_txs=0)], ids=["sequential", "parallel"])
def test_pre_byzantium_receipts_hold_each_transactions_state_root(executor):
    """Before Byzantium each receipt holds the state root after its transaction, one root per
    transaction (computed incrementally): py-evm mined this block, its receipts root checks
    every one. Storage written by several senders in one slot and in their own slots,
    transfers, and senders' nonces and balances each transaction."""
    pre = genesis(senders=6, seed=11, coinbase=None, coinbase_funds=0)
    senders = [key(11, b"sender", i) for i in range(6)]
    builder = FORKS["SpuriousDragon"].get_transaction_builder()
    transactions = []
    for nonce in range(3):
        for i, sender in enumerate(senders):
            to, data = [
                (address_of("counter"), b""),
                (address_of("slots"), (i % 3).to_bytes(32, "big")),
                (senders[(i + 1) % 6].public_key.to_canonical_address(), b""),
            ][(i + nonce) % 3]
            transactions.append(
                builder.create_unsigned_transaction(nonce=nonce, gas_price=10**9, gas=100_000, to=to, value=7, data=data)
                .as_signed_transaction(sender, chain_id=CHAIN_ID)
            )
    block = load(mine(pre, transactions, fork="SpuriousDragon"))
    result = same_result(block, executor)
    assert result.check_json() == {"gas_used": True, "logs_bloom": True, "receipts_root": True, "state_root": True}


def _ending_long(contract: str, seed: int):
    """20 calls of a contract with gas for one, then one with a gas limit of 2,000,000: a
    long transaction, by what is known before it runs. "slots" gives each its own slot
    (independent); "counter" makes each depend on the one before."""
    senders = [key(seed, b"sender", i) for i in range(21)]
    txs = [
        dynamic_fee_transaction(
            sender, 0, address_of(contract), data=i.to_bytes(32, "big"), gas=2_000_000 if i == 20 else 60_000
        )
        for i, sender in enumerate(senders)
    ]
    return load(mine(genesis(21, seed, None, 0), txs))


def test_a_long_transaction_late_in_the_block_runs_first():
    result = same_result(_ending_long("slots", 11), ParallelExecutor(2, min_txs=0))
    assert result.stats.first == [20]
    assert result.stats.reexecutions == 0  # independent: its early run stands


def test_a_transaction_run_first_that_reads_a_lower_write_runs_again(monkeypatch):
    """One worker, with the last counter call given first: it runs before the 20 below it,
    reads the counter they all increment, and must run once more (in order, none would)."""
    block = _ending_long("counter", 12)
    assert replay(block, ParallelExecutor(1, min_txs=0)).stats.reexecutions == 0
    monkeypatch.setattr(parallel, "long_first", lambda transactions, workers: [20])
    result = same_result(block, ParallelExecutor(1, min_txs=0))
    assert result.stats.first == [20]
    assert result.stats.reexecutions == 1
    assert result.state_diff[address_of("counter")].storage == {0: 21}


def test_long_first_picks_by_gas_limit_leaving_one_worker_in_order():
    def limits(*gas):
        return [SimpleNamespace(gas=g) for g in gas]

    assert long_first(limits(*[60_000] * 20, 2_000_000), 2) == [20]  # 2,000,000 >= 3,200,000 / 8
    assert long_first(limits(*[60_000] * 20, 2_000_000), 1) == []  # one worker: nothing to gain
    assert long_first(limits(*[60_000] * 20), 2) == []  # all alike: none is long
    mixed = limits(1_000_000, 50_000, 3_000_000, 3_000_000, 50_000)
    assert long_first(mixed, 2) == [2]  # the longest; the lower index among equals
    assert long_first(mixed, 4) == [2, 3, 0]


def test_a_serial_chain_waits_instead_of_reexecuting():
    """counter: every transaction increments one slot. Once a validation has failed on the
    slot, a reader waits in place for the transaction in flight below it instead of running
    on with the old value: a few re-executions in all, where Block-STM alone re-runs most
    transactions (about 1.7 per transaction on this workload)."""
    from parevm.workloads import generate_block

    result = same_result(generate_block("counter", 200, seed=4), ParallelExecutor(2, min_txs=0))
    assert result.stats.reexecutions < 0.25 * 200
    seconds = spent(result.stats)
    assert seconds["waits"] > 0  # the second worker's reads wait for the first's transaction


def test_a_worker_lost_while_the_parent_waits_in_place_costs_a_rerun(monkeypatch, tmp_path):
    """The parent, one of the workers, waits in place on counter's hot slot for a transaction
    that a forked worker is executing, and that worker dies: the wait takes in the pipes, so
    the loss is a re-run, not a wait forever (an alarm fails the test instead of a hang)."""
    from parevm.workloads import generate_block

    def die_slowly(_):
        time.sleep(0.5)  # the parent reaches the next transaction's read and waits on this one
        os.kill(os.getpid(), signal.SIGKILL)

    def hung(signum, frame):
        raise TimeoutError("the parent still waits on a lost worker's transaction")

    _once_in_a_worker(monkeypatch, tmp_path / "hit", die_slowly, at=100)
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(120)
    try:
        result = same_result(generate_block("counter", 200, seed=4), ParallelExecutor(2, min_txs=0, parent_works=True))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert result.stats.retries and "worker lost" in result.stats.retries[0]
