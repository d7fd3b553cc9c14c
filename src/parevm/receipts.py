"""A block's receipts and running header totals, folded as py-evm's block loop folds them
(the sequential executor, the parallel engine's ordered commit, the hook announcements)."""

from typing import Any

from eth.abc import BlockHeaderAPI, ReceiptAPI, SignedTransactionAPI, VirtualMachineAPI


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
