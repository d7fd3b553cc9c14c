"""Replaying one BlockInput: prepare a py-evm VM on the pre-state, execute, finalize, check."""

from time import perf_counter

from eth.abc import BlockAPI, BlockHeaderAPI, VirtualMachineAPI
from eth.chains.base import ChainContext
from eth.consensus.context import ConsensusContext
from eth.constants import BLANK_ROOT_HASH
from eth.db.atomic import AtomicDB
from eth.db.chain import ChainDB
from eth.db.trie import make_trie_root_and_nodes
from eth_typing import Address

from .blockinput import BlockInput
from .forks import is_at_least
from .result import BlockResult, Check, ReceiptSummary
from .prestate import FlatPreState
from .sequential import PyEvmExecutor, SequentialExecutor
from .statedb import build_state_db
from .statediff import state_diff
from .trie import ordered_trie_root


class Phases:
    """Wall time per phase of one replay."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = perf_counter()

    def mark(self, name: str) -> None:
        now = perf_counter()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self._last
        self._last = now


def prepare_vm(block: BlockInput, executor) -> VirtualMachineAPI:
    """A VM instance for the block: parevm's reads the pre-state in place (FlatPreState);
    plain py-evm's is a state trie built from it in a fresh in-memory database."""
    if isinstance(executor, PyEvmExecutor):
        db, pre_root = build_state_db(block.pre_state)
        state_db = db
    else:  # no trie: the root before the block is never needed
        db, pre_root, state_db = AtomicDB(), BLANK_ROOT_HASH, FlatPreState(block.pre_state)
    header_fields = {
        "state_root": pre_root,
        "gas_used": 0,
        "bloom": 0,
        "transaction_root": BLANK_ROOT_HASH,
        "receipt_root": BLANK_ROOT_HASH,
    }
    names = set(block.header._meta.field_names)
    if "withdrawals_root" in names:
        header_fields["withdrawals_root"] = BLANK_ROOT_HASH
    if "blob_gas_used" in names:
        header_fields["blob_gas_used"] = 0
    base_header = block.header.copy(**header_fields)
    chain_context = ChainContext(block.chain_id)
    vm_class = executor.vm_class(block.vm_class)
    vm = vm_class(
        header=base_header,
        chaindb=ChainDB(db),
        chain_context=chain_context,
        consensus_context=ConsensusContext(db),
    )
    state = vm_class.build_state(state_db, base_header, chain_context)
    state.ancestors = block.ancestors
    vm._state = state
    block_fields = {"header": base_header, "transactions": list(block.transactions), "uncles": []}
    if "withdrawals" in vm.get_block_class()._meta.field_names:
        block_fields["withdrawals"] = list(block.withdrawals or ())
    vm._block = vm.get_block_class()(**block_fields)
    return vm


def replay(block: BlockInput, executor=None) -> BlockResult:
    """Execute the block and check it against its header (see BlockResult)."""
    executor = executor or SequentialExecutor()
    phases = Phases()
    vm = prepare_vm(block, executor)
    phases.mark("load_state")
    vm.block_preprocessing(vm.get_block())
    phases.mark("system_calls")
    try:
        header, receipts, _ = vm.apply_all_transactions(block.transactions, vm.get_header())
        phases.mark("execute")
        stats = executor.log.pop() if getattr(executor, "log", None) else None
        final = _finalize(vm, block, header, receipts)
    finally:  # the workers' exits overlapped the roots (counted in their phase); none outlives a failure
        executor.settle()
    phases.mark("finalize")
    state = vm.state
    diff = {} if isinstance(executor, PyEvmExecutor) else state_diff(state, block.pre_state)
    phases.mark("diff")
    return BlockResult(
        source=block.source,
        number=block.number,
        fork=block.fork,
        transactions=len(block.transactions),
        gas_used=final.gas_used,
        logs_bloom=final.bloom,
        receipts_root=final.receipt_root,
        transactions_root=final.transaction_root,
        state_root=final.state_root,
        receipts=_summaries(receipts, block.fork),
        state_diff=diff,
        checks=_checks(block, final),
        seconds=sum(phases.seconds.values()),
        phases=phases.seconds,
        mode=executor.mode if stats is None or stats.parallel else "sequential (fallback)",
        stats=stats,
    )


def _finalize(vm: VirtualMachineAPI, block: BlockInput, header, receipts) -> BlockHeaderAPI:
    """Withdrawals, the tries, post-processing, the block reward, the state root: the
    header (the block itself is never copied, which would deep-copy every transaction)."""
    if block.withdrawals:
        vm.apply_all_withdrawals(block.withdrawals)
    filled = vm.block_postprocessing(_with_roots(vm, header, block, receipts))
    if block.number > 0:
        if block.uncle_count == 0:
            vm._assign_block_rewards(filled)  # py-evm's own rule; none after the merge
        else:
            # The miner's reward and its share for the uncles; the uncles' own miners are
            # not paid here, since a block file carries only the uncles' hashes.
            reward = vm.get_block_reward() + block.uncle_count * vm.get_nephew_reward()
            vm.state.delta_balance(Address(block.header.coinbase), reward)
    vm.state.persist()
    return filled.header.copy(state_root=vm.state.state_root)


def _with_roots(vm: VirtualMachineAPI, header, block: BlockInput, receipts) -> BlockAPI:
    """The block with its transactions, receipts and withdrawals roots, as py-evm's
    set_block_transactions_and_withdrawals makes it, but the roots computed natively and
    nothing copied (py-evm deep-copies every transaction into the new block)."""
    if is_at_least(block.fork, "Prague"):
        # Prague's post-processing reads the receipts back from the database (deposit
        # requests), so their trie is built node by node and stored.
        receipt_root, nodes = make_trie_root_and_nodes(tuple(receipts))
        vm.chaindb.persist_trie_data_dict(nodes)
    else:
        receipt_root = ordered_trie_root([receipt.encode() for receipt in receipts])
    roots = {
        "transaction_root": ordered_trie_root([tx.encode() for tx in block.transactions]),
        "receipt_root": receipt_root,
    }
    fields = {"transactions": block.transactions, "uncles": ()}
    if block.withdrawals:
        roots["withdrawals_root"] = ordered_trie_root([w.encode() for w in block.withdrawals])
        fields["withdrawals"] = block.withdrawals
    elif "withdrawals" in vm.get_block_class()._meta.field_names:
        fields["withdrawals"] = ()
    return vm.get_block_class()(header=header.copy(**roots), **fields)


def _summaries(receipts, fork: str) -> list[ReceiptSummary]:
    byzantium = is_at_least(fork, "Byzantium")
    summaries = []
    previous = 0
    for receipt in receipts:
        summaries.append(
            ReceiptSummary(
                status=(1 if receipt.state_root == b"\x01" else 0) if byzantium else None,
                post_state_root=None if byzantium else receipt.state_root,
                cumulative_gas_used=receipt.gas_used,
                gas_used=receipt.gas_used - previous,
                logs=tuple((log.address, tuple(log.topics), log.data) for log in receipt.logs),
                bloom=receipt.bloom,
            )
        )
        previous = receipt.gas_used
    return summaries


def _checks(block: BlockInput, header: BlockHeaderAPI) -> dict[str, Check]:
    expected = block.expected
    receipts_ok = block.complete_state or is_at_least(block.fork, "Byzantium")
    return {
        "gas_used": Check("gas_used", expected.gas_used, header.gas_used, expected.gas_used is not None, "not given"),
        "logs_bloom": Check("logs_bloom", expected.logs_bloom, header.bloom, expected.logs_bloom is not None, "not given"),
        "receipts_root": Check(
            "receipts_root",
            expected.receipts_root,
            header.receipt_root,
            receipts_ok and expected.receipts_root is not None,
            "pre-Byzantium receipts embed state roots that a partial pre-state cannot give",
        ),
        "state_root": Check(
            "state_root",
            expected.state_root,
            header.state_root,
            block.complete_state and expected.state_root is not None,
            "the pre-state is partial",
        ),
    }
