"""The ordered commit: each transaction's final write set applied to the block's state in order,
with receipts, cumulative gas and balance deltas folded exactly as py-evm would.

It runs beside the workers: a transaction is committed as soon as the core has made it final
(every lower transaction committed, its own reads still holding) and its outcome has arrived,
so that by the time the block is done little of the serial part is left.
"""

from collections.abc import Callable, Mapping, Sequence

from eth.abc import AccountDatabaseAPI, BlockHeaderAPI, ReceiptAPI, SignedTransactionAPI, VirtualMachineAPI
from eth.vm.forks.byzantium import ByzantiumVM
from eth_typing import Address

from .core import Core, Write
from .outcome import Outcome
from .receipts import Receipts
from .senders import remember_sender


_AHEAD = 64  # transactions committed between two computations of leaves ahead of the root


def _sender_covers(accounts: AccountDatabaseAPI, transaction: SignedTransactionAPI, sender: bytes) -> bool:
    """Whether py-evm's validate_transaction surely passes: all it reads of the state is the
    sender's nonce and balance (the rest the worker checked, with those two assumed), and a
    balance covering gas times the maximum fee plus the value covers each of its balance
    checks (the price it charges is at most the maximum fee; a lazy sender sends no blobs).
    Where not, py-evm's own call decides and raises its own error. Its call for every lazy
    sender cost 0.22 s of the parent's share a corpus pass with 2 workers."""
    address = Address(sender)
    return (
        accounts.get_nonce(address) == transaction.nonce
        and accounts.get_balance(address) >= transaction.gas * transaction.max_fee_per_gas + transaction.value
    )


class OrderedCommit:
    """The header and receipts py-evm's block loop would produce; vm.state ends as it would.

    The checks come in py-evm's order: the block gas limit before the transaction, then the
    transaction's own validity. A lazy sender's nonce and funds, which the worker assumed, are
    checked here on the committed state with py-evm's own function; the worker names the
    sender only once transaction.validate() has passed, which py-evm checks first.
    No lock_changes between transactions: nothing executes here, and py-evm locks a storage
    journal itself when it computes a root (pre-Byzantium receipts, the final persist).
    """

    def __init__(
        self,
        vm: VirtualMachineAPI,
        transactions: Sequence[SignedTransactionAPI],
        base_header: BlockHeaderAPI,
        writes_of: Callable[[int], Sequence[Write]],
        code_of: Callable[[bytes], bytes | None],
    ) -> None:
        self.vm = vm
        self.transactions = transactions
        self.writes_of = writes_of
        self.code_of = code_of
        self.receipts = Receipts(base_header)
        self.count = 0  # transactions committed
        self.final: list[int] = []  # per transaction, the incarnation the core made final
        self.prepared = 0  # transactions committed when leaves were last computed ahead
        self.root_per_receipt = not isinstance(vm, ByzantiumVM)  # receipts hold state roots

    def add(self, outcome: Outcome) -> None:
        """Commits the next transaction, whose final outcome this is."""
        index, vm, state = self.count, self.vm, self.vm.state
        transaction = self.transactions[index]
        vm.validate_transaction_against_header(self.receipts.header, transaction)
        if outcome.sender is not None:  # a lazy sender: what the worker assumed, checked for real
            remember_sender(transaction, outcome.sender)  # not recovered again
            if not _sender_covers(state._account_db, transaction, outcome.sender):  # type: ignore[attr-defined]
                state.validate_transaction(transaction)  # py-evm's own error, as sequential's
        if outcome.invalid is not None:
            raise outcome.invalid
        state._account_db.apply(self.writes_of(index), self.code_of)  # type: ignore[attr-defined]
        if outcome.receipt is None:
            receipt = vm.make_receipt(self.receipts.header, transaction, outcome, state)
            vm.validate_receipt(receipt)
        else:  # the worker validated it: the cumulative gas is not part of the check
            receipt = outcome.receipt_after(transaction, self.receipts.header.gas_used)
        self.receipts.add(vm, transaction, receipt)
        self.count += 1

    def advance(self, core: Core, latest: Mapping[int, tuple[int, Outcome]]) -> None:
        """Commits every transaction that can be now: the core makes the next one final and
        its worker has sent that incarnation's outcome (`latest`: the newest incarnation and
        outcome received per transaction)."""
        while self.count < len(self.transactions):
            tx = self.count
            if len(self.final) == tx:
                incarnation = core.try_commit(tx)
                if incarnation is None:
                    return
                self.final.append(incarnation)
            received = latest.get(tx)
            if received is None or received[0] != self.final[tx]:
                return
            self.add(received[1])

    def prepare_root(self) -> None:
        """Beside the workers, every _AHEAD transactions committed: the leaves of the accounts
        written so far, computed ahead of the block's state root (BlockAccountDB.prepare_root),
        so that little of the root is left for the serial tail after the workers. Before
        Byzantium each receipt takes the root itself."""
        if not self.root_per_receipt and self.count - self.prepared >= _AHEAD:
            self.vm.state._account_db.prepare_root()  # type: ignore[attr-defined]
            self.prepared = self.count

    def result(self) -> tuple[BlockHeaderAPI, tuple[ReceiptAPI, ...]]:
        return self.receipts.result()
