"""py-evm blocks → the block file format (the inverse of blockfile/headers/transactions)."""

from collections.abc import Mapping
from typing import Any

from eth.abc import BlockAPI, SignedTransactionAPI

from .blockinput import Account
from .headers import HEADER_FIELDS


def _hex(value: int) -> str:
    return hex(value)


def _data(value: bytes) -> str:
    return "0x" + value.hex()


def _word(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


def header_to_rpc(block: BlockAPI) -> dict[str, Any]:
    header = block.header
    out: dict[str, Any] = {}
    for name in header._meta.field_names:
        rpc_name, kind, _ = HEADER_FIELDS[name]
        value = getattr(header, name)
        if name == "bloom":
            out[rpc_name] = _data(value.to_bytes(256, "big"))
        else:
            out[rpc_name] = _hex(value) if kind == "q" else _data(value)
    out["hash"] = _data(header.hash)
    out["uncles"] = []
    return out


def _access_list(tx: SignedTransactionAPI) -> list[dict[str, Any]]:
    return [
        {"address": _data(address), "storageKeys": [_word(key) for key in keys]}
        for address, keys in tx.access_list
    ]


def transaction_to_rpc(tx: SignedTransactionAPI) -> dict[str, Any]:
    """The JSON-RPC object of a signed transaction of any type py-evm supports."""
    tx_type = getattr(tx, "type_id", None) or 0
    out: dict[str, Any] = {
        "type": _hex(tx_type),
        "hash": _data(tx.hash),
        "nonce": _hex(tx.nonce),
        "gas": _hex(tx.gas),
        "to": _data(tx.to) if tx.to else None,
        "value": _hex(tx.value),
        "input": _data(tx.data),
        "r": _hex(tx.r),
        "s": _hex(tx.s),
    }
    if tx_type == 0:
        out.update(gasPrice=_hex(tx.gas_price), v=_hex(tx.v))
        return out
    out.update(chainId=_hex(tx.chain_id), accessList=_access_list(tx), yParity=_hex(tx.y_parity))
    if tx_type == 1:
        out["gasPrice"] = _hex(tx.gas_price)
    else:
        out["maxFeePerGas"] = _hex(tx.max_fee_per_gas)
        out["maxPriorityFeePerGas"] = _hex(tx.max_priority_fee_per_gas)
    if tx_type == 3:
        out["maxFeePerBlobGas"] = _hex(tx.max_fee_per_blob_gas)
        out["blobVersionedHashes"] = [_data(h) for h in tx.blob_versioned_hashes]
    if tx_type == 4:
        out["authorizationList"] = [
            {"chainId": _hex(a.chain_id), "address": _data(a.address), "nonce": _hex(a.nonce),
             "yParity": _hex(a.y_parity), "r": _hex(a.r), "s": _hex(a.s)}
            for a in tx.authorization_list
        ]
    return out


def pre_state_to_json(pre_state: Mapping[bytes, Account]) -> dict[str, Any]:
    return {
        _data(address): {
            "balance": _hex(account.balance),
            "nonce": _hex(account.nonce),
            "code": _data(account.code),
            "storage": {_word(slot): _word(value) for slot, value in sorted(account.storage.items())},
        }
        for address, account in sorted(pre_state.items())
    }


def block_file_json(
    block: BlockAPI,
    chain_id: int,
    fork: str,
    pre_state: Mapping[bytes, Account],
    block_hashes: Mapping[int, bytes],
    complete_state: bool,
) -> dict[str, Any]:
    """A block file's object (docs/block-file.md)."""
    rpc_block = header_to_rpc(block)
    rpc_block["transactions"] = [transaction_to_rpc(tx) for tx in block.transactions]
    if "withdrawals" in block._meta.field_names:
        rpc_block["withdrawals"] = [
            {"index": _hex(w.index), "validatorIndex": _hex(w.validator_index),
             "address": _data(w.address), "amount": _hex(w.amount)}
            for w in block.withdrawals
        ]
    return {
        "chainId": _hex(chain_id),
        "fork": fork,
        "completeState": complete_state,
        "block": rpc_block,
        "preState": pre_state_to_json(pre_state),
        "blockHashes": {str(number): _data(h) for number, h in sorted(block_hashes.items())},
    }
