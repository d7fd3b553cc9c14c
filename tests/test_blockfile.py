"""Block files: every transaction type decodes to its own hash; bad input is one clear error."""

import gzip
import json

import pytest
from eth.vm.forks import PragueVM
from eth_keys import keys

from parevm import InputError, load_block_file
from parevm.blockfile import block_input_from_json
from parevm.blockwriter import transaction_to_rpc
from parevm.hexjson import FieldReader
from parevm.transactions import transaction_from_rpc

from .conftest import MAINNET, require

KEY = keys.PrivateKey(b"\x11" * 32)
TO = b"\x22" * 20


def _signed(kind: str):
    builder = PragueVM.get_transaction_builder()
    common = dict(nonce=3, gas=100_000, to=TO, value=5, data=b"\x01\x02")
    fee = dict(max_priority_fee_per_gas=2, max_fee_per_gas=30)
    access = [(TO, [1, 2])]
    if kind == "legacy":
        return builder.legacy_unsigned(gas_price=9, **common).as_signed_transaction(KEY, chain_id=1)
    if kind == "access-list":
        return builder.new_unsigned_access_list_transaction(
            chain_id=1, gas_price=9, access_list=access, **common
        ).as_signed_transaction(KEY)
    if kind == "dynamic-fee":
        return builder.new_unsigned_dynamic_fee_transaction(
            chain_id=1, access_list=access, **fee, **common
        ).as_signed_transaction(KEY)
    if kind == "blob":
        return builder.new_unsigned_blob_transaction(
            chain_id=1, access_list=access, max_fee_per_blob_gas=7,
            blob_versioned_hashes=[b"\x01" + b"\x00" * 31], **fee, **common,
        ).as_signed_transaction(KEY)
    auth = {"chain_id": 1, "address": TO, "nonce": 4, "y_parity": 1, "r": 12345, "s": 67890}
    return builder.new_unsigned_set_code_transaction(
        chain_id=1, access_list=access, authorization_list=[auth], **fee, **common
    ).as_signed_transaction(KEY)


@pytest.mark.parametrize("kind", ["legacy", "access-list", "dynamic-fee", "blob", "set-code"])
def test_every_transaction_type_decodes_to_its_hash(kind):
    original = _signed(kind)
    rpc = transaction_to_rpc(original)
    decoded = transaction_from_rpc(FieldReader("t", rpc), PragueVM, "Prague")
    assert decoded.hash == original.hash
    assert decoded.sender == original.sender


def test_tampered_transaction_is_caught_by_its_hash():
    rpc = transaction_to_rpc(_signed("dynamic-fee"))
    rpc["value"] = "0x6"
    with pytest.raises(InputError, match="hash to"):
        transaction_from_rpc(FieldReader("t", rpc, "block.transactions[0]"), PragueVM, "Prague")


def test_type_not_in_fork_is_named():
    from eth.vm.forks import LondonVM

    rpc = transaction_to_rpc(_signed("blob"))
    with pytest.raises(InputError, match=r"block.transactions\[0\].type.*blob.*London"):
        transaction_from_rpc(FieldReader("f.json", rpc, "block.transactions[0]"), LondonVM, "London")


@pytest.fixture(scope="module")
def cancun_block() -> dict:
    path = require(MAINNET / "19934116.json.gz")
    return json.loads(gzip.decompress(path.read_bytes()))


def test_loads_a_mainnet_block(cancun_block):
    block = block_input_from_json(cancun_block, "19934116.json.gz")
    assert block.fork == "Cancun" and block.chain_id == 1
    assert len(block.transactions) == len(cancun_block["block"]["transactions"])
    assert len(block.withdrawals) == len(cancun_block["block"]["withdrawals"])
    assert block.header.hash.hex() == cancun_block["block"]["hash"][2:]
    assert not block.complete_state


def _mutated(block: dict, edit) -> dict:
    copy = json.loads(json.dumps(block))
    edit(copy)
    return copy


BAD_INPUTS = [
    ("unknown fork", lambda b: b.update(fork="Osaka"), "unknown fork 'Osaka'"),
    ("code missing", lambda b: next(iter(b["preState"].values())).pop("code"), "missing field 'preState.0x.*code'"),
    ("bad quantity", lambda b: b["block"].update(gasUsed="0xzz"), "field 'block.gasUsed': not a hex quantity"),
    ("short address", lambda b: b["block"].update(miner="0x1234"), "field 'block.miner': expected 20 bytes"),
    ("tx undecodable", lambda b: b["block"]["transactions"][0].update(type="0x9"), r"transactions\[0\].type.*type 9"),
    ("tx wrong field", lambda b: b["block"]["transactions"][1].update(r="0x1"), r"transactions\[1\]"),
    ("no block", lambda b: b.pop("block"), "missing field 'block'"),
    ("header hash", lambda b: b["block"].update(gasUsed="0x1"), "the header fields hash to"),
]


@pytest.mark.parametrize("name,edit,message", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_one_clear_error(cancun_block, name, edit, message):
    with pytest.raises(InputError, match=message) as info:
        block_input_from_json(_mutated(cancun_block, edit), "blk.json")
    assert str(info.value).startswith("blk.json: ")
    assert "\n" not in str(info.value)


def test_file_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_block_file(tmp_path / "absent.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"block": ')
    with pytest.raises(InputError, match="malformed JSON at line 1"):
        load_block_file(bad)
    broken = tmp_path / "broken.json.gz"
    broken.write_bytes(gzip.compress(b'{"a": 1}')[:-6])
    with pytest.raises(InputError, match="broken gzip"):
        load_block_file(broken)
