"""End to end against a real node: anvil mines blocks of mixed transactions, `parevm fetch`
writes them as block files, and replays (sequential, parallel, straight from the node) must
reproduce the node's gasUsed, logsBloom and receiptsRoot."""

import json

import pytest

from parevm.jsonfile import read_json

from .node import Anvil, build_history, find_anvil
from .test_cli import parevm

SAME_IN_EVERY_MODE = ("block", "fork", "txs", "gas_used", "receipts_root", "state_root", "checks",
                      "accounts_changed")


@pytest.fixture(scope="module")
def node():
    binary = find_anvil()
    if binary is None:
        pytest.skip("anvil not found: `make anvil` installs it with npm, or set PAREVM_ANVIL")
    with Anvil(binary) as anvil:
        yield anvil, build_history(anvil.client)


def replay_records(*args: str) -> list[dict]:
    done = parevm("replay", "--json", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def assert_node_values(anvil: Anvil, records: list[dict], numbers: list[int]) -> None:
    """The node's own header values, asked for apart from anything parevm fetched."""
    assert [r["block"] for r in records] == numbers
    for record in records:
        header = anvil.client.call("eth_getBlockByNumber", hex(record["block"]), False)
        assert record["gas_used"] == int(header["gasUsed"], 16)
        assert record["receipts_root"] == header["receiptsRoot"]
        assert record["checks"]["gas_used"] is True
        assert record["checks"]["logs_bloom"] is True  # against the fetched header's logsBloom
        assert record["checks"]["receipts_root"] is True


def test_history_has_every_kind(node):
    anvil, history = node
    assert len(history.blocks) == 3
    assert history.reverted >= 3 and history.created == 3
    counts = [len(anvil.client.call("eth_getBlockByNumber", hex(n), False)["transactions"]) for n in history.blocks]
    assert counts == [103, 103, 103]
    for number, contract in zip(history.blocks, history.fresh):
        assert anvil.client.call("eth_getCode", contract, hex(number - 1)) == "0x"
        assert len(anvil.client.call("eth_getCode", contract, hex(number))) > 1000


def test_fetch_then_replay_sequential_and_parallel(node, tmp_path):
    anvil, history = node
    first, last = history.blocks[0], history.blocks[-1]
    done = parevm("fetch", "--rpc", anvil.url, f"{first}..{last}", "-o", str(tmp_path))
    assert done.returncode == 0, done.stderr
    files = [tmp_path / f"{n}.json.gz" for n in history.blocks]
    assert sorted(tmp_path.iterdir()) == sorted(files)
    for path, fresh in zip(files, history.fresh):
        obj = read_json(path)
        assert obj["fork"] == "Prague" and obj["chainId"] == "0x7a69"
        assert len(obj["preState"]) > 20
        # The tracer shows the contract created in the block, with its code and storage, to
        # the transaction that calls it: before the block it is absent, or empty as anvil
        # reports it to the transaction that creates it.
        before = obj["preState"].get(fresh, {"balance": "0x0", "nonce": "0x0", "code": "0x"})
        assert (before["balance"], before["nonce"], before["code"]) == ("0x0", "0x0", "0x")
        assert not any(int(value, 16) for value in before.get("storage", {}).values())
    sequential = replay_records("--sequential", *map(str, files))
    parallel = replay_records("--workers", "2", "--force-parallel", *map(str, files))
    assert_node_values(anvil, sequential, history.blocks)
    assert_node_values(anvil, parallel, history.blocks)
    assert all(r["stats"]["parallel"] for r in parallel)
    for seq, par in zip(sequential, parallel):
        assert {k: seq[k] for k in SAME_IN_EVERY_MODE} == {k: par[k] for k in SAME_IN_EVERY_MODE}


def test_replay_straight_from_the_node(node):
    anvil, history = node
    records = replay_records("--rpc", anvil.url, "--workers", "2", *map(str, history.blocks))
    assert_node_values(anvil, records, history.blocks)
