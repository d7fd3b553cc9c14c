"""go-ethereum's prestate-tracer cases (DATA/tracers): each parses into a one-transaction block
whose pre-state agrees with what the tracer reported, and the tracer's pre-state alone (merged
as the JSON-RPC source merges it) replays the transaction exactly as the whole genesis does."""

from dataclasses import replace

import pytest

from parevm.blockinput import Account
from parevm.jsonfile import read_json
from parevm import Engine
from parevm.rpcsource import delegation_targets, merge_prestates, pre_state_accounts, unreported_parties
from parevm.tracercases import load_tracer_case

from .conftest import DATA

CASES = sorted((DATA / "tracers").glob("*/*.json"))
NO_DIFF = [{"pre": {}, "post": {}}]


def case_id(path):
    return f"{path.parent.name}/{path.stem}"


def reported(path) -> tuple[dict, dict]:
    """The tracer's pre-state of the case (diff mode: its `pre`) and the tracer's options."""
    case = read_json(path)
    config = case.get("tracerConfig") or {}
    return (case["result"]["pre"] if config.get("diffMode") else case["result"]), config


def test_cases_are_there():
    if not CASES:
        pytest.skip(f"no tracer cases under {DATA / 'tracers'} (set PAREVM_DATA)")
    assert len(CASES) >= 25


@pytest.mark.parametrize("path", CASES, ids=case_id)
def test_parsed_pre_state_matches_tracer_output(path):
    block = load_tracer_case(path)
    assert len(block.transactions) == 1
    state, config = reported(path)
    merged = merge_prestates(str(path), [state], NO_DIFF, 1)
    assert block.transactions[0].sender in merged  # the tracer always reports the sender
    compared = 0
    for address, fields in merged.items():
        account = block.pre_state.get(address, Account())
        if "balance" in fields:
            assert int(fields["balance"], 16) == account.balance, address.hex()
        if "nonce" in fields:
            assert int(fields["nonce"]) == account.nonce, address.hex()
        if "code" in fields and not config.get("disableCode"):
            assert bytes.fromhex(fields["code"][2:]) == account.code, address.hex()
        for slot, value in fields.get("storage", {}).items():
            assert account.storage.get(slot, 0) == int(value, 16), (address.hex(), slot)
        compared += address in block.pre_state
    assert compared >= 1


@pytest.mark.parametrize("path", [p for p in CASES if not reported(p)[1].get("diffMode")], ids=case_id)
def test_traces_report_sender_and_recipient(path):
    """What the JSON-RPC source looks for holds on geth's own traces, and a trace with the
    sender taken out is caught."""
    tx = load_tracer_case(path).transactions[0]
    parties = [(tx.sender, tx.to or None)]
    state = reported(path)[0]
    assert unreported_parties(str(path), [state], parties) == []
    without = {address: fields for address, fields in state.items() if bytes.fromhex(address[2:]) != tx.sender}
    unreported = unreported_parties(str(path), [without], parties)
    assert (0, "sender", tx.sender) in unreported  # and the recipient, where it sends to itself
    assert {address for _, _, address in unreported} == {tx.sender}


PLAIN = [p for p in CASES if not set(reported(p)[1]) & {"diffMode", "disableCode", "disableStorage"}]


@pytest.mark.parametrize("path", PLAIN, ids=case_id)
def test_tracer_pre_state_alone_replays_the_transaction(path):
    block = load_tracer_case(path)
    merged = merge_prestates(str(path), [reported(path)[0]], NO_DIFF, 1)
    # What the JSON-RPC source asks the parent block for, here answered from the genesis: the
    # fee recipient, and accounts that set-code authorizations delegate to (geth's tracer
    # leaves those out of setcode_tx).
    untraced = [block.header.coinbase]
    untraced += [auth.address for tx in block.transactions if tx.type_id == 4 for auth in tx.authorization_list]
    for address in untraced + delegation_targets(merged):
        if address not in merged and address in block.pre_state:
            account = block.pre_state[address]
            merged[address] = {"balance": hex(account.balance), "nonce": account.nonce,
                               "code": "0x" + account.code.hex(), "storage": dict(account.storage)}
    for fields in merged.values():  # what the tracer leaves out is empty
        fields.setdefault("nonce", 0)
        fields.setdefault("code", "0x")
    traced = replace(block, pre_state=pre_state_accounts(str(path), merged))
    sequential = Engine(mode="sequential")
    whole, alone = sequential.execute(block), sequential.execute(traced)
    assert whole.receipts[0].gas_used >= 21_000
    assert alone.receipts == whole.receipts
