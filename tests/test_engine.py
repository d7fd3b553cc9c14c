"""The library surface: Engine's settings and life cycle, and the drop-in VMs in a py-evm chain
(mine_all's computations, transaction_applied_hook, py-evm's own checks) against py-evm's own."""

import os

from eth.chains.base import MiningChain
from eth.db.atomic import AtomicDB
from eth.vm.forks import CancunVM
from eth_utils import ValidationError
import pytest

from parevm import Engine, EngineClosed, generate_block
from parevm.workloads import FUNDS, dynamic_fee_transaction, key
from parevm.workloads.chain import CHAIN_ID, address_of
from parevm.workloads.contracts import contract, word

from .procs import descendants

TOKEN = contract("Token")
TOKEN_AT = b"\x70" * 20
PARAMS = {"difficulty": 0, "gas_limit": 30_000_000, "timestamp": 1_700_000_000}
PlainChain = MiningChain.configure("Plain", vm_configuration=((0, CancunVM),), chain_id=CHAIN_ID)


def _genesis_and_transactions():
    """Twelve senders: token transfers along a ring of holders, one from a sender holding no
    tokens (reverts), a Token creation (its output is the runtime code), ETH payments."""
    senders = [key(5, b"engine-test", i) for i in range(12)]
    holders = [address_of(s) for s in senders]
    genesis = {a: {"balance": FUNDS, "nonce": 0, "code": b"", "storage": {}} for a in holders}
    storage = {TOKEN.slot("balanceOf", a): 1_000 for a in holders[:8]}
    genesis[TOKEN_AT] = {"balance": 0, "nonce": 1, "code": TOKEN.runtime, "storage": storage}
    transfer = [TOKEN.call("transfer(address,uint256)", holders[(i + 1) % 8], 10) for i in range(9)]
    txs = [dynamic_fee_transaction(s, 0, TOKEN_AT, data=transfer[i], gas=80_000) for i, s in enumerate(senders[:9])]
    txs.append(dynamic_fee_transaction(senders[9], 0, b"", data=TOKEN.creation + word(77), gas=1_000_000))
    txs += [dynamic_fee_transaction(s, 0, holders[0], value=10**15) for s in senders[10:]]
    return genesis, txs


def _computation(c):
    """What a caller reads of a finished transaction's computation."""
    error = (type(c.error), c.error.args) if c.is_error else None
    return c.is_success, c.is_error, c.output, error, c.get_gas_remaining(), c.get_gas_refund(), c.get_log_entries()


def _mine(chain_class, genesis, txs):
    chain = chain_class.from_genesis(AtomicDB(), PARAMS, genesis)
    imported, receipts, computations = chain.mine_all(txs, timestamp=PARAMS["timestamp"] + 12)
    return chain, imported.imported_block, receipts, computations


def test_drop_in_mine_all_gives_pyevms_block_receipts_and_computations():
    genesis, txs = _genesis_and_transactions()
    engine = Engine(2, min_txs=0)
    _, block, receipts, computations = _mine(engine.chain_class(PlainChain), genesis, txs)
    _, own_block, own_receipts, own_computations = _mine(PlainChain, genesis, txs)
    assert block == own_block and receipts == own_receipts
    assert [_computation(c) for c in computations] == [_computation(c) for c in own_computations]
    outcomes = [c.is_success for c in computations]
    assert outcomes.count(False) == 1 and computations[9].output == TOKEN.runtime
    (stats,) = engine.stats
    assert stats.parallel and stats.transactions == len(txs) and stats.workers == 2


class _Recording(CancunVM):
    """A VM that overrides py-evm's hook, as a tracing tool built on py-evm would."""

    calls: list = []

    def transaction_applied_hook(self, index, transactions, base_header, result_header, computation, receipt):
        self.calls.append((index, len(transactions), base_header.block_number, result_header.gas_used,
                           result_header.bloom, result_header.blob_gas_used, computation.is_success, receipt))


def test_transaction_applied_hook_is_called_in_order_as_pyevm_calls_it():
    genesis, txs = _genesis_and_transactions()
    engine = Engine(2, min_txs=0)
    calls = {}
    for name, vm in (("own", _Recording), ("drop-in", engine.vm_class(_Recording))):
        _Recording.calls = []
        _mine(PlainChain.configure(vm_configuration=((0, vm),)), genesis, txs)
        calls[name] = _Recording.calls
    assert calls["drop-in"] == calls["own"]
    assert [index for index, *_ in calls["own"]] == list(range(len(txs)))


def test_drop_in_keeps_pyevms_block_number_check():
    chain = Engine(2).chain_class(PlainChain).from_genesis(AtomicDB(), PARAMS, {})
    vm = chain.get_vm()
    with pytest.raises(ValidationError, match="must only work on block #1"):
        vm.apply_all_transactions([], vm.get_header().copy(block_number=5))


def test_engine_executes_blocks_and_refuses_work_once_closed():
    block = generate_block("erc20-hot:2", 24)
    reference = Engine(mode="sequential").execute(block)
    with Engine(2, min_txs=0) as engine:
        result = engine.execute(block)
        chain_class = engine.chain_class(PlainChain)
        assert repr(engine) == "<Engine parallel, 2 worker(s), open>"
    assert result.ok and result.checks["state_root"].ok and result.stats.parallel
    assert (result.receipts, result.state_root, result.state_diff) == (
        reference.receipts, reference.state_root, reference.state_diff)
    assert reference.stats is None and result.stats.reexecutions >= 0
    with pytest.raises(EngineClosed):
        engine.execute(block)
    genesis, txs = _genesis_and_transactions()
    with pytest.raises(EngineClosed):
        _mine(chain_class, genesis, txs)


def test_closing_the_engine_reaps_the_drop_ins_last_workers():
    """The drop-in leaves the last block's workers to exit beside py-evm's roots; close reaps them."""
    genesis, txs = _genesis_and_transactions()
    others = descendants(os.getpid()).keys()
    engine = Engine(2, min_txs=0)
    _mine(engine.chain_class(PlainChain), genesis, txs)
    assert engine.stats[-1].parallel
    engine.close()
    assert descendants(os.getpid()).keys() - others == set()


def test_engine_settings_are_checked_and_py_evm_mode_keeps_its_vms():
    with pytest.raises(ValueError, match="mode must be one of"):
        Engine(mode="fast")
    with pytest.raises(ValueError, match="workers must be at least 1"):
        Engine(0)
    assert Engine(mode="py-evm").vm_class(CancunVM) is CancunVM
    assert Engine(mode="sequential").workers == 1 and Engine(3).workers == 3
