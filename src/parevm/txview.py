"""The state one transaction incarnation runs on in a worker.

Three layers, as in ethereum/execution-specs: the incarnation's own writes (journaled for
reverts), then the writes of lower transactions in the multi-version memory, then the block's
state before any transaction. Every read that goes below the first layer is recorded once, with
the version it saw, for validation; the first layer at the end is the write set.

Lazy account updates: the transaction framework's own balance changes (gas purchase and refund,
value debit and credit, the fee recipient's credit) are commutative deltas, and the sender's
nonce is the transaction's own. Neither is read: the commit checks the sender's nonce and funds
on the committed state, as sequential execution would have (see `lazy_sender`). A real read
(BALANCE, a contract's funds check, an emptiness test the transaction did not decide) still
depends on the last real write and on every delta since.
"""

import time
from collections.abc import Callable, Sequence
from typing import Any

from eth.abc import AccountDatabaseAPI, SignedTransactionAPI, StateAPI
from eth.constants import BLANK_ROOT_HASH, EMPTY_SHA3
from eth.vm.forks.cancun.constants import BLOB_TX_TYPE
from eth_typing import Address, Hash32

from .core import Core, ReadResult, Version, pause
from .native import Key, Kind
from .overlay import UINT256, OverlayAccountDB, Reads


_WAITS = 4  # in-place waits per read at most; then the read stands (validation catches it)


class Blocked(BaseException):
    """The incarnation read an ESTIMATE: it waits for the transaction that will rewrite it.

    A BaseException, so that py-evm's broad `except Exception` (Prague's authorization
    processing skips a failing authorization) cannot swallow it; which transaction it waits
    for is kept on BaseReads, which sees it even if some handler catches this.
    """


class BaseReads:
    """Reads below the incarnation's own writes: multi-version memory, then the pre-state.

    Each key is read once per incarnation; the read is recorded as the core reported it
    (key, result, version, value; a NONE read with the pre-state value it used), which is what
    validation compares against later: the record stays in the core's staged read set
    (Core.read_or_wait; one incarnation at a time per process), which the worker publishes as
    it is, and `kept` keeps where and what it saw. Code is immutable by hash, so `code_cache`
    may be shared by every incarnation of a worker.
    `targets` holds each transaction's recipient: a read waits in place for a likely writer
    (see `value`), and on a hot key that is one calling the same contract.
    """

    def __init__(
        self,
        core: Core,
        tx: int,
        pre: OverlayAccountDB,
        code_cache: dict[bytes, bytes],
        targets: Sequence[bytes],
        wait: Callable[[int], None] = pause,
    ) -> None:
        self.core = core
        self.wait = wait  # a round of waiting in place (see Worker.waiting)
        self.tx = tx
        self.targets = targets
        self.pre = pre
        self.code_cache = code_cache
        self.kept: dict[Key, tuple[int, Version | None]] = {}  # each kept read's staged slot and version
        self._values: dict[Key, int] = {}
        self.blocked_on: int | None = None
        self.waited = 0.0  # seconds spent waiting in place (see `value`)

    def value(self, key: Key) -> int:
        if key in self._values:
            return self._values[key]
        slot = len(self.kept)
        (result, version, value), wait = self.core.read_or_wait(self.tx, key, slot)
        for _ in range(_WAITS):
            if wait is None or (result != ReadResult.ESTIMATE and not self._same_target(wait)):
                break
            # Wait in place for the lower transaction in flight, rather than run on with what
            # it is about to rewrite (a re-execution) or abort here (running up to this
            # read again later): on a serial chain, the wait is this read's own turn.
            rounds, started = 0, time.perf_counter()
            while self.core.executing(wait):
                self.wait(rounds)
                rounds += 1
            self.waited += time.perf_counter() - started
            (result, version, value), wait = self.core.read_or_wait(self.tx, key, slot)
        if result == ReadResult.ESTIMATE:
            self.blocked_on = version[0]
            raise Blocked()
        self.kept[key] = (slot, version)
        if result == ReadResult.NONE:
            resolved = self.pre.value(key)
            self.core.read_pre_state(slot, resolved)
        elif result == ReadResult.DELTA:
            resolved = (self.pre.value(key) + value) % UINT256
        else:
            resolved = value
        self._values[key] = resolved
        return resolved

    def _same_target(self, tx: int) -> bool:
        """Whether tx calls the contract this transaction calls: then it is a likely writer of
        a hot key this transaction reads (a transaction in flight that calls something else
        most likely does not write it, and waiting for it would only idle)."""
        return self.targets[tx] == self.targets[self.tx]

    def version_tx(self, key: Key) -> int:
        """The transaction whose write the key's last read saw (-1: the pre-state)."""
        version = self.kept[key][1]
        return -1 if version is None else version[0]

    def storage(self, address: bytes, slot: int) -> int:
        """A slot's value at the transaction's start: a lower wipe hides older writes."""
        slot_key = (address, Kind.STORAGE, slot)
        wipe_key = (address, Kind.STORAGE_WIPE, None)
        value = self.value(slot_key)
        if not self.value(wipe_key):
            return value
        # The answer depends on which write came later, not only on the values: both reads
        # must find the same versions to stay valid.
        self.core.read_exact(self.kept[slot_key][0])
        self.core.read_exact(self.kept[wipe_key][0])
        return 0 if self.version_tx(wipe_key) > self.version_tx(slot_key) else value

    def code(self, address: bytes, code_hash: bytes) -> bytes:
        """Code by hash: a lower transaction's (in the core's arena) or the pre-state's."""
        if code_hash == EMPTY_SHA3:
            return b""
        code = self.code_cache.get(code_hash)
        if code is None:
            code = self.core.code_get(code_hash)
            if code is None:
                if self.pre.get_code_hash(Address(address)) != code_hash:
                    raise LookupError(f"code 0x{code_hash.hex()} of 0x{address.hex()} is nowhere")
                code = self.pre.get_code(Address(address))
            self.code_cache[code_hash] = code
        return code

    def storage_was_empty(self, address: bytes) -> bool:
        """EIP-7610's question: no storage before this transaction (pre-state or wiped since)."""
        return bool(self.value((address, Kind.STORAGE_WIPE, None))) or self.pre.storage_was_empty(address)


def lazy_sender(state: StateAPI, transaction: SignedTransactionAPI) -> bool:
    """Whether the sender's nonce and funds may be assumed in a worker and checked at commit.

    Only where a valid transaction proves that its sender exists (a nonce above 0, or something
    to pay): a sender that might not exist would need its creation written, and so read. Not
    for blob transactions: py-evm's checks of them leave out the value, which the top-level
    call's funds check then catches.
    """
    if getattr(transaction, "type_id", None) == BLOB_TX_TYPE:
        return False
    return transaction.nonce > 0 or transaction.value > 0 or state.get_gas_price(transaction) > 0


class TrackingAccountDB(OverlayAccountDB, AccountDatabaseAPI):
    """One incarnation's writes over BaseReads, with balance changes kept as deltas and, for a
    lazy sender, its nonce, existence and (while `funds_assumed`) funds taken as valid."""

    def __init__(self, base: Reads, state_root: Hash32 = BLANK_ROOT_HASH) -> None:
        """py-evm's state passes (db, state_root); here the "db" is the incarnation's BaseReads."""
        super().__init__(base)
        self.sender: bytes | None = None
        self.sender_nonce = 0
        self.funds_assumed = False

    def assume_sender(self, sender: bytes, nonce: int) -> None:
        """The sender is valid: it exists, its nonce is `nonce`, its funds cover the cost."""
        self.sender, self.sender_nonce = sender, nonce

    def assume_funds(self) -> None:
        """From now until funds_assumed is cleared, a lazy sender's balance check passes."""
        self.funds_assumed = self.sender is not None

    def get_balance(self, address: Address) -> int:
        if self.funds_assumed and address == self.sender:
            return UINT256 - 1  # only sufficiency checks ask while funds are assumed
        if (address, "credit") in self.fields:
            return (super().get_balance(address) + self.fields[(address, "credit")]) % UINT256
        return super().get_balance(address)

    def get_nonce(self, address: Address) -> int:
        if address == self.sender and (address, "nonce") not in self.fields:
            return self.sender_nonce
        return super().get_nonce(address)

    def account_exists(self, address: Address) -> bool:
        if address == self.sender and (address, "exists") not in self.fields:
            return True
        return super().account_exists(address)

    def set_balance(self, address: Address, balance: int) -> None:
        self._drop(self.fields, (address, "credit"))
        super().set_balance(address, balance)

    def credit(self, address: Address, amount: int, blind: bool = False) -> None:
        """Add `amount` (a debit if negative) to a balance without reading it. Whether the
        account existed is read, unless `blind` (the fee recipient, which every transaction
        credits): then existence is written whatever it was."""
        if (address, "balance") in self.fields:
            self._set(address, "balance", (self.fields[(address, "balance")] + amount) % UINT256)
            return
        self._put(self.fields, (address, "credit"), self.fields.get((address, "credit"), 0) + amount)
        if not blind:
            self._make_exist(address)
        elif self.fields.get((address, "exists")) != 1:
            self._put(self.fields, (address, "exists"), 1)

    def account_is_empty(self, address: Address) -> bool:
        if self.fields.get((address, "credit"), 0) > 0:
            return False  # balance >= credit > 0, whatever lower transactions did
        return super().account_is_empty(address)

    def delete_account(self, address: Address) -> None:
        self._drop(self.fields, (address, "credit"))
        super().delete_account(address)

    # -- roots: computed by the ordered commit, never in a worker
    @property
    def state_root(self) -> Hash32:
        return BLANK_ROOT_HASH

    @state_root.setter
    def state_root(self, value: Hash32) -> None:
        """Reverts restore the root they saw, which is always the placeholder here."""

    def has_root(self, state_root: bytes) -> bool:
        return False

    def make_state_root(self) -> Hash32:
        return BLANK_ROOT_HASH

    def persist(self) -> Any:
        raise NotImplementedError("a transaction view is never persisted; the commit applies its writes")
