"""A journaled layer of account and storage writes over a layer of reads.

As in ethereum/execution-specs, state is layers of plain mappings: a layer holds only what was
written in it and reads through to the one below. Two layers use this: the block's state
(over the pre-state) and one transaction incarnation in a parallel worker (over the
multi-version memory). Both speak py-evm's account database interface upwards and the
`Reads` protocol downwards, so the block's state is itself what the workers read from.
"""

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from eth.constants import EMPTY_SHA3
from eth.db.journal import get_next_checkpoint
from eth.validation import validate_uint256
from eth_hash.auto import keccak
from eth_typing import Address, Hash32

from ._native import lib
from .core import WRITE_RECORD, Write
from .native import NO_SLOT, Key, Kind

UINT256 = 2**256
EMPTY_CODE_HASH = int.from_bytes(EMPTY_SHA3, "big")
_MISSING = object()


class Reads(Protocol):
    """What a layer reads from the layer below it."""

    def value(self, key: Key) -> int:
        """An account field or a storage slot (EXISTENCE and STORAGE_WIPE read 0 or 1)."""

    def storage(self, address: bytes, slot: int) -> int:
        """A slot's value, wipes below accounted for."""

    def code(self, address: bytes, code_hash: bytes) -> bytes:
        """The code with this hash, which address holds below."""

    def storage_was_empty(self, address: bytes) -> bool:
        """EIP-7610's question: did the account have no storage below this layer."""


class OverlayAccountDB:
    """py-evm's account database interface as one layer of writes over `base` (the roots
    are left to the subclasses that py-evm's state uses).

    Field-level: paying a recipient writes its balance, not its nonce or code. Reverts roll
    back an undo log to the length it had at the checkpoint; a write made while no checkpoint
    is open can never be rolled back, so it logs nothing. Checkpoints are py-evm's own unique
    ids, not the length itself: Cancun's transient storage journals the same checkpoints and
    refuses one it has seen (two snapshots with no write between them would share a length).
    """

    def __init__(self, base: Reads) -> None:
        self.base = base
        self.fields: dict[tuple[bytes, str], Any] = {}
        self.slots: dict[tuple[bytes, int], int] = {}
        self.codes: dict[bytes, bytes] = {}
        self.warm: set[Any] = set()
        self.written: set[bytes] | None = None  # addresses written since take_written (once asked)
        # Addresses whose storage this layer wrote (a slot or a wipe) since it was cleared,
        # reverted writes too: FlatPreState.prepare asks it rather than scan the slots.
        self.stored: set[bytes] = set()
        self._undo: list[Callable[[], None]] = []
        self._marks: dict[Any, int] = {}  # checkpoint -> length of the undo log then

    # -- the undo log
    def _put(self, table: dict, key: Any, value: Any) -> None:
        if self.written is not None:
            self.written.add(key[0])  # both tables are keyed by (address, ...)
        if self._marks:
            old = table.get(key, _MISSING)
            self._undo.append(lambda: table.pop(key) if old is _MISSING else table.__setitem__(key, old))
        table[key] = value

    def _drop(self, table: dict, key: Any) -> None:
        if key in table:
            if self.written is not None:
                self.written.add(key[0])
            old = table.pop(key)
            if self._marks:
                self._undo.append(lambda: table.__setitem__(key, old))

    def record(self) -> Any:
        checkpoint = get_next_checkpoint()
        self._marks[checkpoint] = len(self._undo)
        return checkpoint

    def discard(self, checkpoint: Any) -> None:
        mark = self._marks.pop(checkpoint)
        while len(self._undo) > mark:
            self._undo.pop()()
        self._forget_undo()

    def commit(self, checkpoint: Any) -> None:
        """Nothing to merge: the undo log already holds the changes in order."""
        del self._marks[checkpoint]
        self._forget_undo()

    def _forget_undo(self) -> None:
        if not self._marks:
            self._undo.clear()

    def lock_changes(self) -> None:
        self.warm.clear()

    def clear(self) -> None:
        """Forget every write (they have moved to the layer below)."""
        if self._marks:
            raise RuntimeError("a layer with open checkpoints cannot be cleared")
        if self.written is not None:
            self.written.update(address for address, _ in self.fields)
            self.written.update(address for address, _ in self.slots)
        self.fields.clear()
        self.slots.clear()
        self.codes.clear()
        self.stored.clear()

    def copy(self) -> "OverlayAccountDB":
        """A layer over the same base holding the same writes, none of them journaled."""
        if self._marks:
            raise RuntimeError("a layer with open checkpoints cannot be copied")
        layer = OverlayAccountDB(self.base)
        layer.fields, layer.slots, layer.codes = dict(self.fields), dict(self.slots), dict(self.codes)
        layer.stored = set(self.stored)
        return layer

    def take_written(self) -> set[bytes]:
        """The addresses written since the last call (the first call: every address this
        layer holds), for roots computed incrementally. Only layers asked keep the record,
        so the transaction layers above pay nothing for it; only with no checkpoint open,
        since a revert changes what was taken."""
        if self._marks:
            raise RuntimeError("a layer with open checkpoints cannot hand over what it wrote")
        if self.written is None:
            written = {address for address, _ in self.fields} | {address for address, _ in self.slots}
        else:
            written = self.written
        self.written = set()
        return written

    # -- the Reads protocol, for a layer above
    def value(self, key: Key) -> int:
        address, kind, slot = key
        if kind == Kind.STORAGE:
            return self.get_storage(Address(address), slot)
        if kind == Kind.EXISTENCE:
            return int(self.account_exists(Address(address)))
        if kind == Kind.STORAGE_WIPE:
            return int(bool(self.fields.get((address, "wiped"))) or self.base.value(key))
        if kind == Kind.BALANCE:
            return self.get_balance(Address(address))
        return self._field(address, _FIELD_NAMES[kind], kind)

    def storage(self, address: bytes, slot: int) -> int:
        return self.get_storage(Address(address), slot)

    def code(self, address: bytes, code_hash: bytes) -> bytes:
        if code_hash == EMPTY_SHA3:
            return b""
        if code_hash in self.codes:
            return self.codes[code_hash]
        return self.base.code(address, code_hash)

    def storage_was_empty(self, address: bytes) -> bool:
        return self.storage_is_empty(Address(address))

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
        return self._field(address, "balance", Kind.BALANCE)

    def set_balance(self, address: Address, balance: int) -> None:
        """Checked as py-evm's AccountDB checks it (a speculative incarnation may compute a
        balance beyond 2**256 from lower deltas not yet matched by their credits)."""
        validate_uint256(balance, title="Account Balance")
        self._set(address, "balance", balance)

    def get_nonce(self, address: Address) -> int:
        return self._field(address, "nonce", Kind.NONCE)

    def set_nonce(self, address: Address, nonce: int) -> None:
        self._set(address, "nonce", nonce)

    def increment_nonce(self, address: Address) -> None:
        self.set_nonce(address, self.get_nonce(address) + 1)

    def get_code_hash(self, address: Address) -> Hash32:
        return Hash32(self._field(address, "code_hash", Kind.CODE_HASH).to_bytes(32, "big"))

    def get_code(self, address: Address) -> bytes:
        return self.code(address, self.get_code_hash(address))

    def set_code(self, address: Address, code: bytes) -> None:
        code_hash = keccak(code)
        self.codes[code_hash] = code
        self._set(address, "code_hash", int.from_bytes(code_hash, "big"))

    def delete_code(self, address: Address) -> None:
        self._set(address, "code_hash", EMPTY_CODE_HASH)

    def account_exists(self, address: Address) -> bool:
        return bool(self._field(address, "exists", Kind.EXISTENCE))

    def touch_account(self, address: Address) -> None:
        """py-evm writes the account back as it is: a change only if it did not exist."""
        self._make_exist(address)

    def account_has_code_or_nonce(self, address: Address) -> bool:
        return self.get_nonce(address) != 0 or self.get_code_hash(address) != EMPTY_SHA3

    def account_is_empty(self, address: Address) -> bool:
        return not self.account_has_code_or_nonce(address) and self.get_balance(address) == 0

    def delete_account(self, address: Address) -> None:
        self._wipe(address)
        for name, value in (("balance", 0), ("nonce", 0), ("code_hash", EMPTY_CODE_HASH)):
            self._put(self.fields, (address, name), value)
        self._put(self.fields, (address, "exists"), 0)

    # -- storage
    def get_storage(self, address: Address, slot: int, from_journal: bool = True) -> int:
        """from_journal=False asks for the value before the transaction (SSTORE's gas), which
        the layer below holds."""
        if not from_journal:
            return self.base.storage(address, slot)
        value = self.slots.get((address, slot), _MISSING)
        if value is not _MISSING:
            return value
        if self.fields.get((address, "wiped")):
            return 0
        return self.base.storage(address, slot)

    def set_storage(self, address: Address, slot: int, value: int) -> None:
        self.stored.add(address)
        self._put(self.slots, (address, slot), value)

    def delete_storage(self, address: Address) -> None:
        self._wipe(address)
        self._put(self.fields, (address, "exists"), 1)

    def _wipe(self, address: bytes) -> None:
        self.stored.add(address)
        for key in [key for key in self.slots if key[0] == address]:
            self._drop(self.slots, key)
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
            if self._marks:
                self._undo.append(lambda: self.warm.discard(key))

    def is_address_warm(self, address: Address) -> bool:
        return address in self.warm

    def mark_address_warm(self, address: Address) -> None:
        self._warm(address)

    def is_storage_warm(self, address: Address, slot: int) -> bool:
        return (address, slot) in self.warm

    def mark_storage_warm(self, address: Address, slot: int) -> None:
        self._warm((address, slot))

    # -- taking over the writes of a layer above
    def apply(self, writes: Sequence[Write], code_of: Callable[[bytes], bytes | None]) -> None:
        """A write set of the layer above, made final here: stored as written, since that layer
        already decided every existence change (no setter re-reads it); a wipe first clears
        what this layer holds of the account's storage; a delta adds to the balance below."""
        for (address, kind, _), value, _ in writes:
            if kind == Kind.STORAGE_WIPE and value:
                self._wipe(address)
        for (address, kind, slot), value, delta in writes:
            if kind == Kind.STORAGE:
                self.stored.add(address)
                self._put(self.slots, (address, slot), value)
            elif delta:
                self._put(self.fields, (address, "balance"), (self.get_balance(address) + value) % UINT256)
            else:
                self._put(self.fields, (address, _FIELD_NAMES[kind]), value)
                if kind == Kind.CODE_HASH and value != EMPTY_CODE_HASH:
                    self._keep_code(value.to_bytes(32, "big"), code_of)

    def _keep_code(self, code_hash: bytes, code_of: Callable[[bytes], bytes | None]) -> None:
        if code_hash not in self.codes:
            code = code_of(code_hash)
            if code is None:
                raise LookupError(f"no code with hash 0x{code_hash.hex()}")
            self.codes[code_hash] = code

    def absorb(self, layer: "OverlayAccountDB") -> None:
        """Takes over the writes of `layer`, which sits on this one, and empties it: what
        apply() of its write set does, but table to table where nothing here is journaled.
        The parallel engine absorbs a whole block's commit at once, after its workers: per
        write, apply() took 20 ms of 2,000 transfers' 0.7 s. Lazy credits (only a worker's
        layer holds them) take the way through apply()."""
        fields = layer.fields
        if self._marks or any(name == "credit" for _, name in fields):
            self.apply(layer.write_set(), layer.codes.get)
        else:
            for (address, name), value in fields.items():
                if name == "wiped" and value:
                    self._wipe(address)
                elif name == "code_hash" and value != EMPTY_CODE_HASH:
                    self._keep_code(value.to_bytes(32, "big"), layer.codes.get)
            if self.written is not None:
                self.written.update(address for address, _ in fields)
                self.written.update(address for address, _ in layer.slots)
            self.fields.update(fields)
            self.slots.update(layer.slots)
            self.stored |= layer.stored
        layer.clear()

    # -- what this layer wrote
    def write_set(self) -> list[Write]:
        """(key, value, is_delta) for everything this layer holds."""
        writes: list[Write] = []
        for (address, name), value in self.fields.items():
            kind, flag = _FIELD_RECORDS[name]
            is_delta = flag == _DELTA
            writes.append(((address, kind, None), value % UINT256 if is_delta else value, is_delta))
        for (address, slot), value in self.slots.items():
            writes.append(((address, Kind.STORAGE, slot), value, False))
        return writes

    def write_records(self) -> list[bytes]:
        """write_set() as the core's records (core.WRITE_RECORD), packed straight from the
        tables: a worker publishes every incarnation's write set, and the tuples and key
        lookups of the way through write_set() were most of the packing (2,000 transfers)."""
        pack, records = WRITE_RECORD.pack, []
        for (address, name), value in self.fields.items():
            kind, flag = _FIELD_RECORDS[name]
            if flag == _DELTA:
                value %= UINT256
            records.append(pack(address, kind, NO_SLOT, flag, value.to_bytes(32, "big")))
        for (address, slot), value in self.slots.items():
            records.append(pack(address, Kind.STORAGE, slot.to_bytes(32, "big"), _ABSOLUTE, value.to_bytes(32, "big")))
        return records


_FIELD_KINDS = {
    "balance": Kind.BALANCE,
    "nonce": Kind.NONCE,
    "code_hash": Kind.CODE_HASH,
    "exists": Kind.EXISTENCE,
    "wiped": Kind.STORAGE_WIPE,
}
_FIELD_NAMES = {kind: name for name, kind in _FIELD_KINDS.items()}
_ABSOLUTE, _DELTA = lib.PV_ABSOLUTE, lib.PV_DELTA
# Each field's key kind and write flag: a credit is the balance's delta (modulo 2**256).
_FIELD_RECORDS = {"credit": (Kind.BALANCE, _DELTA), **{name: (kind, _ABSOLUTE) for name, kind in _FIELD_KINDS.items()}}
