"""JSON-RPC transactions and withdrawals → py-evm objects, each checked against its own hash."""

from typing import Any

from eth.abc import SignedTransactionAPI, WithdrawalAPI
from eth.vm.forks.shanghai.withdrawals import Withdrawal

from .errors import InputError
from .forks import VMClass
from .hexjson import FieldReader, parse_data, parse_quantity

_TYPE_NAMES = {0: "legacy", 1: "access-list", 2: "dynamic-fee", 3: "blob", 4: "set-code"}
_BUILDER_METHODS = {
    1: "new_access_list_transaction",
    2: "new_dynamic_fee_transaction",
    3: "new_blob_transaction",
    4: "new_set_code_transaction",
}


def _access_list(tx: FieldReader) -> list[tuple[bytes, list[int]]]:
    entries = []
    for entry in tx.entries("accessList", optional=True):
        keys = [
            parse_quantity(key, lambda msg: entry.fail("storageKeys", msg))
            for key in entry.items("storageKeys")
        ]
        entries.append((entry.data("address", 20), keys))
    return entries


def _authorizations(tx: FieldReader) -> list[dict[str, Any]]:
    authorizations = []
    for auth in tx.entries("authorizationList"):
        authorizations.append(
            {
                "chain_id": auth.quantity("chainId"),
                "address": auth.data("address", 20),
                "nonce": auth.quantity("nonce"),
                "y_parity": auth.quantity("yParity") if auth.has("yParity") else auth.quantity("v"),
                "r": auth.quantity("r"),
                "s": auth.quantity("s"),
            }
        )
    return authorizations


def _typed_fields(tx: FieldReader, tx_type: int, common: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {"chain_id": tx.quantity("chainId"), "nonce": common["nonce"]}
    if tx_type == 1:
        fields["gas_price"] = tx.quantity("gasPrice")
    else:
        fields["max_priority_fee_per_gas"] = tx.quantity("maxPriorityFeePerGas")
        fields["max_fee_per_gas"] = tx.quantity("maxFeePerGas")
    fields.update(
        gas=common["gas"], to=common["to"], value=common["value"], data=common["data"],
        access_list=_access_list(tx),
    )
    if tx_type == 3:
        fields["max_fee_per_blob_gas"] = tx.quantity("maxFeePerBlobGas")
        fields["blob_versioned_hashes"] = [
            parse_data(h, 32, lambda msg: tx.fail("blobVersionedHashes", msg))
            for h in tx.items("blobVersionedHashes")
        ]
    if tx_type == 4:
        fields["authorization_list"] = _authorizations(tx)
    fields["y_parity"] = tx.quantity("yParity") if tx.has("yParity") else tx.quantity("v")
    fields.update(r=tx.quantity("r"), s=tx.quantity("s"))
    return fields


def transaction_from_rpc(tx: FieldReader, vm_class: VMClass, fork: str) -> SignedTransactionAPI:
    """Build the signed transaction; when the object gives its hash, the rebuilt one must match."""
    builder = vm_class.get_transaction_builder()
    tx_type = tx.quantity("type", default=0)
    to = tx.data("to", 20) if tx.has("to") and tx.raw("to") not in ("", "0x") else b""
    common = {
        "nonce": tx.quantity("nonce"),
        "gas": tx.quantity("gas"),
        "to": to,
        "value": tx.quantity("value"),
        "data": tx.data("input") if tx.has("input") else tx.data("data", default=b""),
    }
    try:
        if tx_type == 0:
            signed = builder.new_transaction(
                gas_price=tx.quantity("gasPrice"), v=tx.quantity("v"),
                r=tx.quantity("r"), s=tx.quantity("s"), **common,
            )
        else:
            method = getattr(builder, _BUILDER_METHODS.get(tx_type, ""), None)
            if method is None:
                kind = _TYPE_NAMES.get(tx_type, "unknown")
                raise tx.fail("type", f"{kind} transactions (type {tx_type}) do not exist in {fork}")
            signed = method(**_typed_fields(tx, tx_type, common))
    except InputError:
        raise
    except Exception as exc:  # py-evm's field validation: report it as bad input
        raise InputError(tx.source, f"{tx.path}: cannot build the transaction: {exc}") from exc
    claimed = tx.optional_data("hash", 32)
    if claimed is not None and signed.hash != claimed:
        raise InputError(
            tx.source,
            f"{tx.path}: the fields hash to 0x{signed.hash.hex()}, the object says 0x{claimed.hex()}",
        )
    return signed


def withdrawal_from_rpc(item: FieldReader) -> WithdrawalAPI:
    return Withdrawal(
        index=item.quantity("index"),
        validator_index=item.quantity("validatorIndex"),
        address=item.data("address", 20),
        amount=item.quantity("amount"),
    )

