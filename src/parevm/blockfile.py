"""The block file format (docs/block-file.md): loading into BlockInput, and writing."""

from pathlib import Path
from typing import Any

from .blockinput import Account, AncestorHashes, BlockInput, Expected
from .errors import InputError
from .forks import UnknownFork, fork_for_block, vm_class_for
from .headers import header_from_rpc
from .hexjson import FieldReader, parse_data, parse_quantity
from .jsonfile import read_json
from .transactions import transaction_from_rpc, withdrawal_from_rpc


def load_block_file(path: str | Path, fork: str | None = None) -> BlockInput:
    """Read a block file (.json or .json.gz); `fork` overrides the file's and the schedule's."""
    return block_input_from_json(read_json(path), str(path), fork)


def block_input_from_json(obj: Any, source: str, fork: str | None = None) -> BlockInput:
    top = FieldReader(source, obj)
    chain_id = top.quantity("chainId", default=1)
    block = top.child("block")
    declared = fork
    if declared is None and top.has("fork"):
        declared = top.raw("fork")
        if not isinstance(declared, str):
            raise top.fail("fork", "expected a fork name")
    try:
        fork_name = fork_for_block(chain_id, _header_basics(block), declared)
    except UnknownFork as exc:
        raise InputError(source, str(exc)) from None
    vm_class = vm_class_for(fork_name, chain_id)
    header = header_from_rpc(block, vm_class, fork_name)
    transactions = tuple(
        transaction_from_rpc(tx, vm_class, fork_name) for tx in block.entries("transactions")
    )
    withdrawals = None
    if block.has("withdrawals"):
        withdrawals = tuple(withdrawal_from_rpc(w) for w in block.entries("withdrawals"))
    return BlockInput(
        source=source,
        chain_id=chain_id,
        fork=fork_name,
        vm_class=vm_class,
        header=header,
        transactions=transactions,
        withdrawals=withdrawals,
        uncle_count=len(block.items("uncles")) if block.has("uncles") else 0,
        pre_state=_pre_state(top.child("preState")),
        ancestors=AncestorHashes(
            header.block_number, header.parent_hash, _block_hashes(top, "blockHashes")
        ),
        complete_state=bool(top.obj.get("completeState", False)),
        expected=Expected(
            gas_used=header.gas_used,
            logs_bloom=header.bloom,
            receipts_root=header.receipt_root,
            state_root=header.state_root,
        ),
    )


def _header_basics(block: FieldReader) -> dict[str, Any]:
    """The fields fork selection looks at, validated first so errors name them."""
    basics = {name: block.raw(name) for name in block.obj if name in _FORK_HINTS}
    block.quantity("number")
    block.quantity("timestamp")
    return basics


_FORK_HINTS = {
    "number", "timestamp", "difficulty", "baseFeePerGas", "withdrawalsRoot",
    "parentBeaconBlockRoot", "requestsHash",
}


def _pre_state(state: FieldReader) -> dict[bytes, Account]:
    accounts = {}
    for key, value in state.obj.items():
        address = parse_data(key, 20, lambda msg: state.fail(key, f"bad address: {msg}"))
        account = FieldReader(state.source, value, f"{state.path}.{key}")
        storage = {}
        if account.has("storage"):
            slots = account.child("storage")
            for slot, word in slots.obj.items():
                storage[parse_quantity(slot, lambda msg: slots.fail(slot, msg))] = parse_quantity(
                    word, lambda msg: slots.fail(slot, msg)
                )
        accounts[address] = Account(
            balance=account.quantity("balance"),
            nonce=account.quantity("nonce"),
            code=account.data("code"),
            storage=storage,
        )
    return accounts


def _block_hashes(top: FieldReader, key: str) -> dict[int, bytes]:
    if not top.has(key):
        return {}
    hashes = top.child(key)
    return {
        parse_quantity(number, lambda msg: hashes.fail(number, msg)): parse_data(
            value, 32, lambda msg: hashes.fail(number, msg)
        )
        for number, value in hashes.obj.items()
    }
