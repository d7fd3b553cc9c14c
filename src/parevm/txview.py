"""The state one transaction incarnation runs on in a worker.

Three layers, as in ethereum/execution-specs: the incarnation's own writes (journaled for
reverts), then the writes of lower transactions in the multi-version memory, then the block's
state before any transaction. Every read that goes below the first layer is recorded once, with
the version it saw, for validation; the first layer at the end is the write set.

The fee recipient's credit is commutative: it is kept as a delta and read for real only when
the transaction itself asks for that balance.
"""

from collections.abc import Callable
from typing import Any

from eth.abc import AccountDatabaseAPI, StateAPI
from eth.constants import BLANK_ROOT_HASH, EMPTY_SHA3
from eth.db.journal import get_next_checkpoint
from eth_typing import Address, Hash32
from eth_utils import keccak

from .core import Core, Read, ReadResult, Write
from .native import Key, Kind

UINT256 = 2**256
_MISSING = object()


class Blocked(BaseException):
    """The incarnation read an ESTIMATE: it waits for the transaction that will rewrite it.

    A BaseException, so that py-evm's broad `except Exception` (Prague's authorization
    processing skips a failing authorization) cannot swallow it; which transaction it waits
    for is kept on BaseReads, which sees it even if some handler catches this.
    """


class BaseReads:
    """Reads below the incarnation's own writes: multi-version memory, then the pre-state.

    Each key is read once per incarnation; the read is recorded as the core reported it
    (key, result, version, value), which is what validation compares against later. Code is
    immutable by hash, so `code_cache` may be shared by every incarnation of a worker.
    """

    def __init__(self, core: Core, tx: int, pre: StateAPI, code_cache: dict[bytes, bytes]) -> None:
        self.core = core
        self.tx = tx
        self.pre = pre
        self.code_cache = code_cache
        self.recorded: dict[Key, Read] = {}
        self._values: dict[Key, int] = {}
        self.blocked_on: int | None = None

    def value(self, key: Key) -> int:
        if key in self._values:
            return self._values[key]
        result, version, value = self.core.read(self.tx, key)
        if result == ReadResult.ESTIMATE:
            self.blocked_on = version[0]
            raise Blocked()
        self.recorded[key] = (key, result, version, value)
        if result == ReadResult.NONE:
            resolved = self._pre_value(key)
        elif result == ReadResult.DELTA:
            resolved = (self._pre_value(key) + value) % UINT256
        else:
            resolved = value
        self._values[key] = resolved
        return resolved

    def version_tx(self, key: Key) -> int:
        """The transaction whose write the key's last read saw (-1: the pre-state)."""
        version = self.recorded[key][2]
        return -1 if version is None else version[0]

    def storage(self, address: bytes, slot: int) -> int:
        """A slot's value at the transaction's start: a lower wipe hides older writes."""
        slot_key = (address, Kind.STORAGE, slot)
        wipe_key = (address, Kind.STORAGE_WIPE, None)
        value = self.value(slot_key)
        if self.value(wipe_key) and self.version_tx(wipe_key) > self.version_tx(slot_key):
            return 0
        return value

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
        wiped = self.value((address, Kind.STORAGE_WIPE, None))
        root = self.pre._account_db._get_storage_root(Address(address))  # type: ignore[attr-defined]
        return bool(wiped) or root == BLANK_ROOT_HASH

    def _pre_value(self, key: Key) -> int:
        address, kind, slot = key
        account = Address(address)
        if kind == Kind.BALANCE:
            return self.pre.get_balance(account)
        if kind == Kind.NONCE:
            return self.pre.get_nonce(account)
        if kind == Kind.CODE_HASH:
            return int.from_bytes(self.pre.get_code_hash(account), "big")
        if kind == Kind.EXISTENCE:
            return int(self.pre.account_exists(account))
        if kind == Kind.STORAGE:
            return self.pre.get_storage(account, slot)
        return 0  # STORAGE_WIPE: nothing is wiped before the block


class TrackingAccountDB(AccountDatabaseAPI):
    """py-evm's account database interface over BaseReads, for one incarnation.

    Field-level: a transaction that only pays a recipient reads the recipient's balance, not
    its nonce or code. Reverts roll back an undo log to the length it had at the checkpoint.
    Checkpoints are py-evm's own unique ids, not the length itself: Cancun's transient storage
    journals the same checkpoints and refuses one it has seen (two snapshots with no write
    between them would have the same length).
    """

    def __init__(self, base: BaseReads, state_root: Hash32 = BLANK_ROOT_HASH) -> None:
        """py-evm's state passes (db, state_root); here the "db" is the incarnation's BaseReads."""
        self.base = base
        self.fields: dict[tuple[bytes, str], Any] = {}
        self.storage: dict[tuple[bytes, int], int] = {}
        self.code: dict[bytes, bytes] = {}
        self.warm: set[Any] = set()
        self._undo: list[Callable[[], None]] = []
        self._marks: dict[Any, int] = {}  # checkpoint -> length of the undo log then

    # -- the undo log
    def _put(self, table: dict, key: Any, value: Any) -> None:
        old = table.get(key, _MISSING)
        self._undo.append(lambda: table.pop(key) if old is _MISSING else table.__setitem__(key, old))
        table[key] = value

    def _drop(self, table: dict, key: Any) -> None:
        if key in table:
            old = table.pop(key)
            self._undo.append(lambda: table.__setitem__(key, old))

    def record(self) -> Any:
        checkpoint = get_next_checkpoint()
        self._marks[checkpoint] = len(self._undo)
        return checkpoint

    def discard(self, checkpoint: Any) -> None:
        mark = self._marks.pop(checkpoint)
        while len(self._undo) > mark:
            self._undo.pop()()

    def commit(self, checkpoint: Any) -> None:
        """Nothing to merge: the undo log already holds the changes in order."""
        del self._marks[checkpoint]

    def lock_changes(self) -> None:
        self.warm.clear()

    # -- account fields
    def _field(self, address: bytes, name: str, kind: Kind) -> int:
        value = self.fields.get((address, name), _MISSING)
        return self.base.value((address, kind, None)) if value is _MISSING else value

    def _set(self, address: bytes, name: str, value: Any) -> None:
        """Any field set makes the account exist, as py-evm's _set_account does."""
        self._put(self.fields, (address, name), value)
        self._make_exist(address)

    def _make_exist(self, address: bytes) -> None:
        """Whether the account existed is read rather than written again: a write would
        conflict with every later transaction that asks (each CALL does)."""
        if not self.account_exists(address):
            self._put(self.fields, (address, "exists"), 1)

    def get_balance(self, address: Address) -> int:
        if (address, "credit") in self.fields:
            return (self._field(address, "balance", Kind.BALANCE) + self.fields[(address, "credit")]) % UINT256
        return self._field(address, "balance", Kind.BALANCE)

    def set_balance(self, address: Address, balance: int) -> None:
        self._drop(self.fields, (address, "credit"))
        self._set(address, "balance", balance)

    def credit(self, address: Address, amount: int) -> None:
        """Add to a balance without reading it (the fee recipient's commutative credit)."""
        if (address, "balance") in self.fields:
            self._set(address, "balance", (self.fields[(address, "balance")] + amount) % UINT256)
        else:  # no read, so existence is written blindly
            self._put(self.fields, (address, "credit"), self.fields.get((address, "credit"), 0) + amount)
            if self.fields.get((address, "exists")) != 1:
                self._put(self.fields, (address, "exists"), 1)

    def get_nonce(self, address: Address) -> int:
        return self._field(address, "nonce", Kind.NONCE)

    def set_nonce(self, address: Address, nonce: int) -> None:
        self._set(address, "nonce", nonce)

    def increment_nonce(self, address: Address) -> None:
        self.set_nonce(address, self.get_nonce(address) + 1)

    def get_code_hash(self, address: Address) -> Hash32:
        return Hash32(self._field(address, "code_hash", Kind.CODE_HASH).to_bytes(32, "big"))

    def get_code(self, address: Address) -> bytes:
        code_hash = self.get_code_hash(address)
        if code_hash in self.code:
            return self.code[code_hash]
        return self.base.code(address, code_hash)

    def set_code(self, address: Address, code: bytes) -> None:
        code_hash = keccak(code)
        self.code[code_hash] = code
        self._set(address, "code_hash", int.from_bytes(code_hash, "big"))

    def delete_code(self, address: Address) -> None:
        self._set(address, "code_hash", int.from_bytes(EMPTY_SHA3, "big"))

    def account_exists(self, address: Address) -> bool:
        return bool(self._field(address, "exists", Kind.EXISTENCE))

    def touch_account(self, address: Address) -> None:
        """py-evm writes the account back as it is: a change only if it did not exist."""
        self._make_exist(address)

    def account_has_code_or_nonce(self, address: Address) -> bool:
        return self.get_nonce(address) != 0 or self.get_code_hash(address) != EMPTY_SHA3

    def account_is_empty(self, address: Address) -> bool:
        if self.fields.get((address, "credit"), 0) > 0:
            return False  # balance >= credit > 0, whatever lower transactions did
        return not self.account_has_code_or_nonce(address) and self.get_balance(address) == 0

    def delete_account(self, address: Address) -> None:
        self._wipe(address)
        self._drop(self.fields, (address, "credit"))
        for name, value in (("balance", 0), ("nonce", 0), ("code_hash", int.from_bytes(EMPTY_SHA3, "big"))):
            self._put(self.fields, (address, name), value)
        self._put(self.fields, (address, "exists"), 0)

    # -- storage
    def get_storage(self, address: Address, slot: int, from_journal: bool = True) -> int:
        if from_journal:
            value = self.storage.get((address, slot), _MISSING)
            if value is not _MISSING:
                return value
            if self.fields.get((address, "wiped")):
                return 0
        return self.base.storage(address, slot)

    def set_storage(self, address: Address, slot: int, value: int) -> None:
        self._put(self.storage, (address, slot), value)

    def delete_storage(self, address: Address) -> None:
        self._wipe(address)
        self._put(self.fields, (address, "exists"), 1)

    def _wipe(self, address: bytes) -> None:
        for key in [key for key in self.storage if key[0] == address]:
            self._drop(self.storage, key)
        self._put(self.fields, (address, "wiped"), 1)

    def storage_is_empty(self, address: Address) -> bool:
        """EIP-7610's question (statedb's collision check asks it)."""
        if self.fields.get((address, "wiped")):
            return True
        return self.base.storage_was_empty(address)

    # -- warm sets (EIP-2929), journaled like py-evm's
    def _warm(self, key: Any) -> None:
        if key not in self.warm:
            self.warm.add(key)
            self._undo.append(lambda: self.warm.discard(key))

    def is_address_warm(self, address: Address) -> bool:
        return address in self.warm

    def mark_address_warm(self, address: Address) -> None:
        self._warm(address)

    def is_storage_warm(self, address: Address, slot: int) -> bool:
        return (address, slot) in self.warm

    def mark_storage_warm(self, address: Address, slot: int) -> None:
        self._warm((address, slot))

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

    # -- the result
    def write_set(self) -> list[Write]:
        """(key, value, is_delta) for everything this incarnation wrote."""
        writes: list[Write] = []
        for (address, name), value in self.fields.items():
            if name == "credit":
                writes.append(((address, Kind.BALANCE, None), value % UINT256, True))
            else:
                writes.append(((address, _FIELD_KINDS[name], None), value, False))
        for (address, slot), value in self.storage.items():
            writes.append(((address, Kind.STORAGE, slot), value, False))
        return writes


_FIELD_KINDS = {
    "balance": Kind.BALANCE,
    "nonce": Kind.NONCE,
    "code_hash": Kind.CODE_HASH,
    "exists": Kind.EXISTENCE,
    "wiped": Kind.STORAGE_WIPE,
}
