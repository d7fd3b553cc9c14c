"""Receipts: made and checked as py-evm makes and checks them, at less cost; and a block's
receipts and running header totals, folded as py-evm's block loop folds them (the sequential
executor, the parallel engine's ordered commit, the hook announcements)."""

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import rlp
from eth.abc import BlockHeaderAPI, ComputationAPI, ReceiptAPI, SignedTransactionAPI, StateAPI, VirtualMachineAPI
from eth.rlp.logs import Log
from eth.rlp.receipts import Receipt
from eth.vm.forks.berlin.transactions import TypedTransaction
from eth.vm.forks.byzantium.constants import (
    EIP658_TRANSACTION_STATUS_CODE_FAILURE as _FAILURE,
    EIP658_TRANSACTION_STATUS_CODE_SUCCESS as _SUCCESS,
)
from eth_utils import ValidationError

from .native import ffi, lib
from .trie import encode_int, rlp_list, rlp_string

LogEntry = tuple[bytes, tuple[int, ...], bytes]  # (address, topics, data), as py-evm's
_BLOOM_PREFIX = b"\xb9\x01\x00"  # RLP's head of a 256-byte string: the bloom, always that long


class ReceiptFields(NamedTuple):
    """A receipt from Byzantium on, as fields: what a worker sends of it (a receipt object
    costs more to pickle than to build), and the RLP of its bloom and logs, which the
    cumulative gas that the commit sets leaves as it is."""

    status: bytes
    gas_used: int
    bloom: int
    logs: tuple[LogEntry, ...]
    tail: bytes


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


def logs_rlp(logs: Iterable[LogEntry]) -> bytes:
    """rlp.encode of a receipt's logs, by hand: pyrlp checks every item against its sedes,
    about 30 µs a log here (tests/test_receipts.py checks the bytes)."""
    return rlp_list(
        b"".join(
            rlp_list(
                rlp_string(address)
                + rlp_list(b"".join(b"\xa0" + topic.to_bytes(32, "big") for topic in topics))
                + rlp_string(data)
            )
            for address, topics, data in logs
        )
    )


def receipt_fields(status: bytes, gas_used: int, logs: tuple[LogEntry, ...]) -> ReceiptFields:
    """A receipt's fields, its bloom and tail computed from the logs."""
    bloom = logs_bloom(logs)
    return ReceiptFields(status, gas_used, bloom, logs, _BLOOM_PREFIX + bloom.to_bytes(256, "big") + logs_rlp(logs))


def build_receipt(transaction: SignedTransactionAPI, fields: ReceiptFields) -> ReceiptAPI:
    """The receipt py-evm's transaction.make_receipt makes, typed for a typed transaction,
    built positionally by rlp's own constructors (py-evm's passes the fields on by name, which
    rlp checks name by name) with its encoding put where rlp caches it (and a typed receipt's
    type byte where py-evm caches it): the receipts root then runs no encoder."""
    logs = [Log(*entry) for entry in fields.logs]
    # py-evm's type hints call Receipt abstract; it is the concrete receipt class
    receipt = object.__new__(Receipt)  # type: ignore[type-abstract]
    rlp.Serializable.__init__(receipt, fields.status, fields.gas_used, fields.bloom, logs)
    receipt._cached_rlp = rlp_list(rlp_string(fields.status) + encode_int(fields.gas_used) + fields.tail)
    if not isinstance(transaction, TypedTransaction):
        return receipt
    typed = transaction.receipt_builder.typed_receipt_class(transaction.type_id, receipt)
    typed.__dict__["_type_byte"] = bytes((typed.type_id,))
    return typed


class FastReceiptChecks:
    """py-evm's validate_receipt with the bloom hashed once (py-evm hashes every log item
    again per membership test); for parevm's VMs, so that every mode but plain py-evm runs
    the same receipt code and the modes compare like for like."""

    @classmethod
    def validate_receipt(cls, receipt: ReceiptAPI) -> None:
        """The bloom must hold every log's address and topics."""
        cls.validate_bloom(receipt.bloom, [(log.address, log.topics, b"") for log in receipt.logs])

    @staticmethod
    def validate_bloom(bloom: int, logs: Sequence[LogEntry]) -> None:
        if not logs_bloom(logs) & ~bloom:
            return
        index = next(i for i, entry in enumerate(logs) if logs_bloom([entry]) & ~bloom)
        raise ValidationError(
            f"The address or a topic of the log entry at position {index} is not present in the "
            "provided bloom filter."
        )


class FastStatusReceipts(FastReceiptChecks):
    """From Byzantium on: py-evm's make_receipt with the bloom computed by logs_bloom and the
    receipt built positionally, its encoding cached, and validate_receipt's status check. Both
    also work on fields: a worker makes and checks those, and the commit builds the receipt."""

    @classmethod
    def make_receipt(
        cls, base_header: BlockHeaderAPI, transaction: SignedTransactionAPI, computation: ComputationAPI, state: StateAPI
    ) -> ReceiptAPI:
        return build_receipt(transaction, cls.make_receipt_fields(base_header.gas_used, transaction, computation))

    @classmethod
    def make_receipt_fields(
        cls, gas_before: int, transaction: SignedTransactionAPI, computation: ComputationAPI
    ) -> ReceiptFields:
        """What make_receipt puts in the receipt after `gas_before` gas of the block."""
        gas_used = gas_before + cls.finalize_gas_used(transaction, computation)  # type: ignore[attr-defined]
        status = _FAILURE if computation.is_error else _SUCCESS
        return receipt_fields(status, gas_used, computation.get_log_entries())

    @classmethod
    def validate_receipt(cls, receipt: ReceiptAPI) -> None:
        super().validate_receipt(receipt)
        cls.validate_status(receipt.state_root)

    @classmethod
    def validate_receipt_fields(cls, fields: ReceiptFields) -> None:
        """validate_receipt's checks on the fields of a receipt not built yet."""
        cls.validate_bloom(fields.bloom, fields.logs)
        cls.validate_status(fields.status)

    @staticmethod
    def validate_status(status: bytes) -> None:
        if status not in (_FAILURE, _SUCCESS):
            raise ValidationError(
                "The receipt's `state_root` must be one of [0x, 0x01].  "
                f"Got: 0x{status.hex()}"
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
