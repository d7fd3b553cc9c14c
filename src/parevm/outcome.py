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

from eth.abc import ComputationAPI, ReceiptAPI, SignedTransactionAPI

from .receipts import LogEntry, ReceiptFields, build_receipt


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
    def of(
        cls,
        computation: ComputationAPI,
        seconds: float,
        receipt: ReceiptFields | None = None,
        sender: bytes | None = None,
    ) -> "Outcome":
        logs: tuple[LogEntry, ...] = ()
        if receipt is None:
            logs = tuple(
                (address, tuple(topics), data)
                for address, topics, data in computation.get_log_entries()
            )
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
            sender=sender,
        )

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
