"""A real client of the drop-in: eth-tester's PyEVMBackend on the engine's VMs, used as a
user's test suite uses it (deploy, transact, mine, query, snapshots, withdrawals), observed
side by side with the same session on py-evm's own VMs.

eth-tester applies each sent transaction on its own (MiningChain.apply_transaction); whole
blocks reach apply_all_transactions, and so the engine, where it imports one: for every
transaction sent while auto-mining is off (it applies the transaction, then re-imports the
head block to undo it) and on a snapshot revert; withdrawals are mined with mine_all.
"""

from eth.vm.forks import PragueVM
from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.exceptions import TransactionFailed
import pytest

from parevm import Engine
from parevm.workloads.contracts import contract, word

GENESIS = PyEVMBackend.generate_genesis_params(overrides={"timestamp": 1_700_000_000})
TOKEN = contract("Token")
SUPPLY = 10**24


def _data(call: bytes) -> str:
    return "0x" + call.hex()


def _raw(account: str) -> bytes:
    return bytes.fromhex(account[2:])


def _session(vm_configuration):
    """Everything a user's tests would look at, as plain values, and the backend."""
    backend = PyEVMBackend(genesis_parameters=GENESIS, vm_configuration=vm_configuration)
    tester = EthereumTester(backend)
    accounts = tester.get_accounts()
    owner, holders = accounts[0], accounts[1:]
    seen = {}

    deploy = tester.send_transaction(
        {"from": owner, "gas": 2_000_000, "data": _data(TOKEN.creation + word(SUPPLY))}
    )
    token = tester.get_transaction_receipt(deploy)["contract_address"]
    sent = [deploy]
    for index, holder in enumerate(holders, 1):  # auto-mined: one block each
        call = TOKEN.call("transfer(address,uint256)", _raw(holder), 1_000 * index)
        sent.append(tester.send_transaction({"from": owner, "to": token, "gas": 100_000, "data": _data(call)}))

    # One block of nine transactions, one per sender; the last sends more than it holds.
    tester.disable_auto_mine_transactions()
    for index, holder in enumerate(holders, 1):
        amount = 100 * index if index < len(holders) else 10**9
        call = TOKEN.call("transfer(address,uint256)", _raw(owner), amount)
        sent.append(tester.send_transaction({"from": holder, "to": token, "gas": 100_000, "data": _data(call)}))
    tester.mine_blocks()
    snapshot = tester.take_snapshot()
    seen["block_before_snapshot"] = tester.get_block_by_number("latest")["number"]

    # A transaction sent now is applied and undone by re-importing the nine-transaction block;
    # mined, then dropped again by reverting to the snapshot (another import of that block).
    dropped = tester.send_transaction({"from": holders[0], "to": holders[1], "gas": 21_000, "value": 10**18})
    tester.mine_blocks()
    seen["dropped_status"] = tester.get_transaction_receipt(dropped)["status"]
    tester.revert_to_snapshot(snapshot)
    seen["block_after_revert"] = tester.get_block_by_number("latest")["number"]
    tester.enable_auto_mine_transactions()

    backend.apply_withdrawals([{"index": 0, "validator_index": 7, "address": holders[4], "amount": 5}])

    seen["receipts"] = [
        (r["status"], r["gas_used"], r["cumulative_gas_used"], [(log["topics"], log["data"]) for log in r["logs"]])
        for r in map(tester.get_transaction_receipt, sent)
    ]
    seen["tokens"] = [
        int(tester.call({"from": owner, "to": token, "data": _data(TOKEN.call("balanceOf(address)", _raw(a)))}), 16)
        for a in accounts
    ]
    seen["ether"] = [tester.get_balance(a) for a in accounts]
    seen["nonces"] = [tester.get_nonce(a) for a in accounts]
    latest = tester.get_block_by_number("latest")["number"]
    seen["state_roots"] = [tester.get_block_by_number(n)["state_root"] for n in range(latest + 1)]
    seen["estimate"] = tester.estimate_gas(
        {"from": holders[2], "to": token, "data": _data(TOKEN.call("transfer(address,uint256)", _raw(owner), 1))}
    )
    with pytest.raises(TransactionFailed):  # no allowance: the token reverts
        tester.call({"from": holders[3], "to": token, "data": _data(
            TOKEN.call("transferFrom(address,address,uint256)", _raw(owner), _raw(holders[3]), 1))})
    return seen, backend


def test_eth_tester_on_the_drop_in_matches_pyevm():
    engine = Engine(2, min_txs=0)
    ours, backend = _session(engine.vm_configuration(((0, PragueVM),)))
    theirs, _ = _session(((0, PragueVM),))
    assert ours == theirs

    # Not a vacuous comparison: the session did what it meant to.
    statuses = [status for status, *_ in ours["receipts"]]
    assert statuses.count(0) == 1 and len(statuses) == 19
    assert ours["dropped_status"] == 1 and ours["block_after_revert"] == ours["block_before_snapshot"]
    assert ours["tokens"][0] == SUPPLY - 45_000 + 3_600 and ours["tokens"][9] == 9_000
    nine_block = ours["block_before_snapshot"]
    assert ours["state_roots"][nine_block] != ours["state_roots"][nine_block - 1]
    # The engine ran the nine-transaction block in parallel at least twice (the pending
    # transaction's undo, the snapshot revert) and the withdrawals block.
    nine = [stats for stats in engine.stats if stats.transactions == 9]
    assert len(nine) >= 2 and all(stats.parallel for stats in engine.stats)
    assert any(stats.transactions == 0 for stats in engine.stats)

    # py-evm's own chain accepts every block the drop-in mined, to the same head.
    plain = PyEVMBackend(genesis_parameters=GENESIS, vm_configuration=((0, PragueVM),))
    head = backend.chain.get_canonical_head()
    for number in range(1, head.block_number + 1):
        plain.chain.import_block(backend.chain.get_canonical_block_by_number(number))
    assert plain.chain.get_canonical_head() == head
