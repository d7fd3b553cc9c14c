"""Receipts: made and checked as py-evm makes and checks them, at less cost; and a block's
receipts and running header totals, folded as py-evm's block loop folds them (the sequential
executor, the parallel engine's ordered commit, the hook announcements)."""

from collections.abc import Iterable
from typing import Any

import rlp
from eth.abc import BlockHeaderAPI, ComputationAPI, LogAPI, ReceiptAPI, SignedTransactionAPI, StateAPI, VirtualMachineAPI
from eth.rlp.logs import Log
from eth.rlp.receipts import Receipt
from eth.vm.forks.berlin.transactions import TypedTransaction
from eth.vm.forks.byzantium.constants import (
    EIP658_TRANSACTION_STATUS_CODE_FAILURE as _FAILURE,
    EIP658_TRANSACTION_STATUS_CODE_SUCCESS as _SUCCESS,
)
from eth_utils import ValidationError

from .native import ffi, lib

LogEntry = tuple[bytes, tuple[int, ...], bytes]  # (address, topics, data), as py-evm's


def logs_bloom(logs: Iterable[LogEntry]) -> int:
    """The logs bloom as eth-bloom computes it (each address and topic sets the 3 bits its
    keccak names), in native code: py-evm's receipt builds it item by item through eth-bloom
    in Python, and its validation hashes every item again."""
    bloom = bytearray(256)
    out = ffi.from_buffer(bloom)
    for address, topics, _ in logs:
        lib.pv_bloom_add(out, address, 1, len(address))
        if topics:
            lib.pv_bloom_add(out, b"".join(topic.to_bytes(32, "big") for topic in topics), len(topics), 32)
    return int.from_bytes(bloom, "big")


def plain_receipt(status: bytes, gas_used: int, bloom: int, logs: Iterable[LogAPI]) -> Receipt:
    """An untyped receipt built positionally by rlp's own constructor: py-evm's passes the
    fields on by name, which rlp checks name by name."""
    # py-evm's type hints call Receipt abstract; it is the concrete receipt class
    receipt = object.__new__(Receipt)  # type: ignore[type-abstract]
    rlp.Serializable.__init__(receipt, status, gas_used, bloom, logs)
    return receipt


def build_receipt(
    transaction: SignedTransactionAPI, status: bytes, gas_used: int, bloom: int, logs: Iterable[LogAPI]
) -> ReceiptAPI:
    """The receipt py-evm's transaction.make_receipt makes, typed for a typed transaction."""
    receipt = plain_receipt(status, gas_used, bloom, logs)
    if isinstance(transaction, TypedTransaction):
        return transaction.receipt_builder.typed_receipt_class(transaction.type_id, receipt)
    return receipt


class FastReceiptChecks:
    """py-evm's validate_receipt with the bloom hashed once (py-evm hashes every log item
    again per membership test); for parevm's VMs, so that every mode but plain py-evm runs
    the same receipt code and the modes compare like for like."""

    @classmethod
    def validate_receipt(cls, receipt: ReceiptAPI) -> None:
        """The bloom must hold every log's address and topics."""
        entries = [(log.address, log.topics, b"") for log in receipt.logs]
        if not logs_bloom(entries) & ~receipt.bloom:
            return
        index = next(i for i, entry in enumerate(entries) if logs_bloom([entry]) & ~receipt.bloom)
        raise ValidationError(
            f"The address or a topic of the log entry at position {index} is not present in the "
            "provided bloom filter."
        )


class FastStatusReceipts(FastReceiptChecks):
    """From Byzantium on: py-evm's make_receipt with the bloom computed by logs_bloom and the
    receipt built positionally, and its validate_receipt's status check."""

    @classmethod
    def make_receipt(
        cls, base_header: BlockHeaderAPI, transaction: SignedTransactionAPI, computation: ComputationAPI, state: StateAPI
    ) -> ReceiptAPI:
        gas_used = base_header.gas_used + cls.finalize_gas_used(transaction, computation)  # type: ignore[attr-defined]
        status = _FAILURE if computation.is_error else _SUCCESS
        entries = computation.get_log_entries()
        logs = [Log(address, topics, data) for address, topics, data in entries]
        return build_receipt(transaction, status, gas_used, logs_bloom(entries), logs)

    @classmethod
    def validate_receipt(cls, receipt: ReceiptAPI) -> None:
        super().validate_receipt(receipt)
        if receipt.state_root not in (_FAILURE, _SUCCESS):
            raise ValidationError(
                "The receipt's `state_root` must be one of [0x, 0x01].  "
                f"Got: 0x{receipt.state_root.hex()}"
            )


class InterimHeader:
    """The base header with the running totals the next transaction is checked and receipted
    against. py-evm copies the whole header per transaction for these (and its blob gas
    step still does, through `copy`, which here updates in place): that costs more than
    building the receipt."""

    def __init__(self, header: BlockHeaderAPI) -> None:
        self.header = header
        self.changes: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        changes = self.__dict__["changes"]
        return changes[name] if name in changes else getattr(self.__dict__["header"], name)

    def copy(self, **changes: Any) -> "InterimHeader":
        self.changes.update(changes)
        return self

    def result(self) -> BlockHeaderAPI:
        return self.header.copy(**self.changes)


class Receipts:
    """The block's receipts so far and the interim header the next transaction sees.

    The header carries the cumulative gas (and blob gas); the bloom is folded once at the
    end. py-evm's add_receipt_to_header also computes the state root after every transaction
    only to put it in this interim header: the root is needed per transaction only in
    pre-Byzantium receipts, which make_receipt computes itself, and once at the end.
    """

    def __init__(self, base_header: BlockHeaderAPI) -> None:
        self.header: Any = InterimHeader(base_header)
        self.bloom = base_header.bloom
        self.receipts: list[ReceiptAPI] = []

    def add(self, vm: VirtualMachineAPI, transaction: SignedTransactionAPI, receipt: ReceiptAPI) -> None:
        self.bloom |= receipt.bloom
        self.header = vm.increment_blob_gas_used(self.header.copy(gas_used=receipt.gas_used), transaction)
        self.receipts.append(receipt)

    def interim(self) -> BlockHeaderAPI:
        """The header after the receipts so far, bloom included."""
        header: BlockHeaderAPI = self.header.copy(bloom=self.bloom).result()
        return header

    def result(self) -> tuple[BlockHeaderAPI, tuple[ReceiptAPI, ...]]:
        return self.interim(), tuple(self.receipts)
