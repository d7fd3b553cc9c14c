"""What a worker reports of one transaction incarnation, small enough to pass through a pipe.

From Byzantium on the worker makes the receipt itself and sends only that. Before, a receipt
holds the state root after the transaction, so the outcome stands in for py-evm's computation
where the ordered commit needs one (make_receipt reads the gas figures, the error flag and the
logs), and the commit builds the receipt exactly as py-evm.
"""

from dataclasses import dataclass

from eth.abc import ComputationAPI, ReceiptAPI
from eth.rlp.receipts import Receipt
from eth.vm.forks.berlin.receipts import TypedReceipt


@dataclass(frozen=True)
class Outcome:
    """The result of an incarnation: its receipt, or a computation's figures, or the error
    that made it invalid."""

    gas_remaining: int = 0
    gas_refund: int = 0
    data_floor_gas: int = 0
    is_error: bool = False
    logs: tuple[tuple[bytes, tuple[int, ...], bytes], ...] = ()
    invalid: Exception | None = None  # the ValidationError sequential py-evm would raise
    seconds: float = 0.0  # the incarnation's execution time in its worker (for analysis)
    receipt: ReceiptAPI | None = None  # from Byzantium on: made by the worker, own gas only

    @classmethod
    def of(cls, computation: ComputationAPI, seconds: float) -> "Outcome":
        return cls(
            seconds=seconds,
            gas_remaining=computation.get_gas_remaining(),
            gas_refund=computation.get_gas_refund(),
            data_floor_gas=getattr(computation, "data_floor_gas", 0),
            is_error=computation.is_error,
            logs=tuple(
                (address, tuple(topics), data)
                for address, topics, data in computation.get_log_entries()
            ),
        )

    def receipt_after(self, gas_before: int) -> ReceiptAPI:
        """The worker's receipt with the cumulative gas of the block so far added, as py-evm's
        make_receipt would have made it; rebuilt from its fields (bloom included), since
        copying an rlp object deep-copies it."""
        receipt: ReceiptAPI = self.receipt  # type: ignore[assignment]
        inner = Receipt(
            state_root=receipt.state_root,
            gas_used=gas_before + receipt.gas_used,
            logs=receipt.logs,
            bloom=receipt.bloom,
        )
        return type(receipt)(receipt.type_id, inner) if isinstance(receipt, TypedReceipt) else inner

    # The part of ComputationAPI that receipts and gas accounting use.
    def get_gas_remaining(self) -> int:
        return self.gas_remaining

    def get_gas_refund(self) -> int:
        return self.gas_refund

    def get_log_entries(self) -> tuple[tuple[bytes, tuple[int, ...], bytes], ...]:
        return self.logs
