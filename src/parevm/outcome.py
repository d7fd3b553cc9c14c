"""What a worker reports of one transaction incarnation, small enough to pass through a pipe.

The outcome is also what the parallel engine returns where py-evm returns a computation
(apply_all_transactions, and so mine_all): the part of ComputationAPI that callers read of a
finished transaction. From Byzantium on the worker makes the receipt's fields itself, with the
encoding of those after the gas (bloom, logs), so that the commit builds the receipt once, its
encoding for the receipts root assembled by concatenation once the cumulative gas is known: the
serial part of the block never runs rlp's encoder on them. Before Byzantium a receipt holds the
state root after the transaction, so the commit builds it exactly as py-evm would, from the
outcome's gas figures, error flag and logs.
"""

from dataclasses import dataclass
from typing import Any

from eth.abc import ComputationAPI, ReceiptAPI, SignedTransactionAPI

from .receipts import LogEntry, ReceiptFields, build_receipt


Sent = tuple[Any, ...]
"""An outcome as a worker sends it: Outcome's fields in their order, the receipt's fields as a
plain tuple. Building and pickling that costs a worker under 1 µs a transaction here, against
about 5 µs for the dataclass (set field by field, pickled by name) with its receipt's
NamedTuple (pickled through a call back into Python)."""


def sent(computation: ComputationAPI, seconds: float, receipt: ReceiptFields | None, sender: bytes | None) -> Sent:
    """What a worker sends of a finished transaction: its computation's figures and, from
    Byzantium on, its receipt's fields; before, its logs (the commit makes the receipt)."""
    logs: tuple[LogEntry, ...] = ()
    if receipt is None:
        logs = tuple((address, tuple(topics), data) for address, topics, data in computation.get_log_entries())
    return (
        computation.get_gas_remaining(),
        computation.get_gas_refund(),
        getattr(computation, "data_floor_gas", 0),
        computation.is_error,
        computation.error if computation.is_error else None,
        computation.output,
        logs,
        None,
        seconds,
        None if receipt is None else tuple(receipt),
        sender,
    )


def sent_invalid(invalid: Exception, seconds: float, sender: bytes | None) -> Sent:
    """What a worker sends of an invalid transaction: the error sequential py-evm would raise."""
    return (0, 0, 0, False, None, b"", (), invalid, seconds, None, sender)


@dataclass(frozen=True)
class Outcome:
    """The result of an incarnation: a computation's figures and, from Byzantium on, its
    receipt's fields; or the error that made the transaction invalid."""

    gas_remaining: int = 0
    gas_refund: int = 0
    data_floor_gas: int = 0
    is_error: bool = False
    error: Exception | None = None  # the VM error of a reverted or failed transaction
    output: bytes = b""  # return data (a creation's: the deployed code)
    logs: tuple[LogEntry, ...] = ()  # only where there is no receipt (it holds them)
    invalid: Exception | None = None  # the ValidationError sequential py-evm would raise
    seconds: float = 0.0  # the incarnation's execution time in its worker (for analysis)
    receipt: ReceiptFields | None = None  # from Byzantium on: made by the worker, own gas only
    sender: bytes | None = None  # a lazy sender, as the worker recovered it: the commit checks it

    @classmethod
    def received(cls, fields: Sent) -> "Outcome":
        """The outcome a worker sent (see `sent`). An error loses its traceback and chained
        errors, as pickling drops them: for the parent's own worker, whose outcomes come in
        place, they would keep the incarnation's frames, and its whole state, alive for the
        rest of the block."""
        *figures, receipt, sender = fields  # in the dataclass's order (see Sent)
        if receipt is not None:
            fields = (*figures, ReceiptFields(*receipt), sender)
        outcome = cls(*fields)
        for failure in (outcome.error, outcome.invalid):
            if failure is not None:
                failure.__traceback__ = failure.__context__ = failure.__cause__ = None
        return outcome

    def receipt_after(self, transaction: SignedTransactionAPI, gas_before: int) -> ReceiptAPI:
        """The worker's receipt with the cumulative gas of the block so far added, as py-evm's
        make_receipt would have made it."""
        fields: ReceiptFields = self.receipt  # type: ignore[assignment]
        return build_receipt(transaction, fields._replace(gas_used=gas_before + fields.gas_used))

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
        return self.receipt.logs
