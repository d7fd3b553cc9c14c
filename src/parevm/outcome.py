"""What a worker reports of one transaction incarnation, small enough to pass through a pipe.

The outcome is also what the parallel engine returns where py-evm returns a computation
(apply_all_transactions, and so mine_all): the part of ComputationAPI that callers read of a
finished transaction. From Byzantium on the worker makes the receipt itself and sends it with
the outcome, with the encoding of its fields after the gas (bloom, logs), so that the commit
encodes the receipt for the receipts root by concatenation once the cumulative gas is known:
the serial part of the block never runs rlp's encoder on them. Before Byzantium a receipt
holds the state root after the transaction, so the commit builds it exactly as py-evm would,
from the outcome's gas figures, error flag and logs.
"""

from dataclasses import dataclass

import rlp
from eth.abc import ComputationAPI, ReceiptAPI
from eth.rlp.receipts import Receipt
from eth.vm.forks.berlin.receipts import TypedReceipt
from rlp.codec import length_prefix

from .receipts import LogEntry, plain_receipt
from .trie import encode_int

_LOGS = Receipt._meta.sedes[3]  # how a receipt's logs are encoded
_BLOOM_PREFIX = b"\xb9\x01\x00"  # RLP's head of a 256-byte string: the bloom, always that long


def receipt_tail(receipt: ReceiptAPI) -> bytes:
    """The RLP of a receipt's fields after its gas: the bloom and the logs."""
    logs = rlp.encode(receipt.logs, sedes=_LOGS) if receipt.logs else b"\xc0"
    return _BLOOM_PREFIX + receipt.bloom.to_bytes(256, "big") + logs


@dataclass(frozen=True)
class Outcome:
    """The result of an incarnation: a computation's figures and, from Byzantium on, its
    receipt; or the error that made the transaction invalid."""

    gas_remaining: int = 0
    gas_refund: int = 0
    data_floor_gas: int = 0
    is_error: bool = False
    error: Exception | None = None  # the VM error of a reverted or failed transaction
    output: bytes = b""  # return data (a creation's: the deployed code)
    logs: tuple[LogEntry, ...] = ()  # only where there is no receipt (it holds them)
    invalid: Exception | None = None  # the ValidationError sequential py-evm would raise
    seconds: float = 0.0  # the incarnation's execution time in its worker (for analysis)
    receipt: ReceiptAPI | None = None  # from Byzantium on: made by the worker, own gas only
    receipt_tail: bytes = b""  # with it: the RLP of its bloom and logs
    sender: bytes | None = None  # a lazy sender, as the worker recovered it: the commit checks it

    @classmethod
    def of(
        cls, computation: ComputationAPI, seconds: float, receipt: ReceiptAPI | None = None, sender: bytes | None = None
    ) -> "Outcome":
        logs: tuple[LogEntry, ...] = ()
        tail = b""
        if receipt is None:
            logs = tuple(
                (address, tuple(topics), data)
                for address, topics, data in computation.get_log_entries()
            )
        else:
            tail = receipt_tail(receipt)
        return cls(
            seconds=seconds,
            gas_remaining=computation.get_gas_remaining(),
            gas_refund=computation.get_gas_refund(),
            data_floor_gas=getattr(computation, "data_floor_gas", 0),
            is_error=computation.is_error,
            error=computation.error if computation.is_error else None,
            output=computation.output,
            logs=logs,
            receipt=receipt,
            receipt_tail=tail,
            sender=sender,
        )

    def receipt_after(self, gas_before: int) -> ReceiptAPI:
        """The worker's receipt with the cumulative gas of the block so far added, as py-evm's
        make_receipt would have made it; rebuilt from its fields (bloom included), since
        copying an rlp object deep-copies it. Its encoding is put where rlp caches it (and a
        typed receipt's type byte where py-evm caches it), assembled from the worker's tail."""
        receipt: ReceiptAPI = self.receipt  # type: ignore[assignment]
        gas_used = gas_before + receipt.gas_used
        inner = plain_receipt(receipt.state_root, gas_used, receipt.bloom, receipt.logs)
        payload = rlp.encode(receipt.state_root) + encode_int(gas_used) + self.receipt_tail
        inner._cached_rlp = length_prefix(len(payload), 0xC0) + payload
        if not isinstance(receipt, TypedReceipt):
            return inner
        typed = type(receipt)(receipt.type_id, inner)
        typed.__dict__["_type_byte"] = bytes((receipt.type_id,))
        return typed

    # The part of ComputationAPI that receipts, gas accounting and callers use.
    @property
    def is_success(self) -> bool:
        return not self.is_error

    def raise_if_error(self) -> None:
        if self.error is not None:
            raise self.error

    def get_gas_remaining(self) -> int:
        return self.gas_remaining

    def get_gas_refund(self) -> int:
        return self.gas_refund

    def get_log_entries(self) -> tuple[LogEntry, ...]:
        if self.receipt is None:
            return self.logs
        return tuple((log.address, tuple(log.topics), log.data) for log in self.receipt.logs)
