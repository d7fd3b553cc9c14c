"""The state before a block, as the bottom layer of the block's state (see overlay.py).

Two kinds: a flat one over a block input's accounts (plain dicts: no trie is built to replay a
block file, and the state root is computed once, natively, from the accounts themselves), and
one over a py-evm chain's own state trie (for blocks imported through a chain).
"""

from collections import defaultdict
from collections.abc import Mapping

from eth.abc import AtomicDatabaseAPI, MetaWitnessAPI
from eth.constants import BLANK_ROOT_HASH
from eth.db.account import AccountDB
from eth.db.witness import MetaWitness
from eth_hash.auto import keccak
from eth_typing import Address, Hash32

from .blockinput import Account
from .native import Key, Kind
from .overlay import EMPTY_CODE_HASH, OverlayAccountDB
from .trie import SplitTrie, encode_int, rlp_list, secure_trie_root

_ABSENT = Account()


class FlatPreState:
    """A block input's accounts, read in place. Every account listed exists, an empty one too."""

    def __init__(self, accounts: Mapping[bytes, Account]) -> None:
        self.accounts = accounts
        self._code_hashes: dict[bytes, int] = {}
        # The layer the last root was made with, and the trie of the accounts with its writes
        # then, so that the next root recomputes only those written since (pre-Byzantium
        # receipts take a root after every transaction) and only the parts of the trie they
        # are in.
        self._layer: OverlayAccountDB | None = None
        self._trie = SplitTrie(())
        # Leaves computed ahead of the next root (see prepare), by address.
        self._ahead: dict[bytes, tuple[bytes, bytes] | None] = {}

    def value(self, key: Key) -> int:
        address, kind, slot = key
        account = self.accounts.get(address)
        if kind == Kind.EXISTENCE:
            return int(account is not None)
        if account is None:
            return EMPTY_CODE_HASH if kind == Kind.CODE_HASH else 0
        if kind == Kind.BALANCE:
            return account.balance
        if kind == Kind.NONCE:
            return account.nonce
        if kind == Kind.STORAGE:
            return account.storage.get(slot, 0)
        if kind == Kind.CODE_HASH:
            return self._code_hash(address, account)
        return 0  # STORAGE_WIPE: nothing is wiped before the block

    def storage(self, address: bytes, slot: int) -> int:
        return self.accounts.get(address, _ABSENT).storage.get(slot, 0)

    def code(self, address: bytes, code_hash: bytes) -> bytes:
        account = self.accounts.get(address, _ABSENT)
        if self._code_hash(address, account).to_bytes(32, "big") != code_hash:
            raise LookupError(f"no code with hash 0x{code_hash.hex()} at 0x{address.hex()}")
        return account.code

    def storage_was_empty(self, address: bytes) -> bool:
        return not any(self.accounts.get(address, _ABSENT).storage.values())

    def _code_hash(self, address: bytes, account: Account) -> int:
        if address not in self._code_hashes:
            self._code_hashes[address] = int.from_bytes(keccak(account.code), "big")
        return self._code_hashes[address]

    # -- the state root
    def root(self, layer: OverlayAccountDB) -> Hash32:
        """The root of these accounts with `layer`'s writes on top, as py-evm's trie has it:
        an account is in the trie if it exists or (py-evm's rule) has non-empty storage."""
        changed = layer.take_written()
        if layer is not self._layer:  # the trie is another layer's: every written account
            changed |= {address for address, _ in layer.fields} | layer.stored
            self._layer, self._trie = layer, SplitTrie(map(self._leaf, self.accounts.keys() - changed))
        if changed:
            slots: dict[bytes, dict[int, int]] = defaultdict(dict)
            for (address, slot), value in layer.slots.items():
                if address in changed:
                    slots[address][slot] = value
            for address in changed:
                if address in self._ahead:
                    leaf = self._ahead[address]
                else:
                    leaf = self._written_leaf(layer, address, slots.get(address, {}))
                if leaf is None:
                    del self._trie[keccak(address)]
                else:
                    self._trie[leaf[0]] = leaf[1]
        self._ahead.clear()
        return Hash32(self._trie.root())

    def prepare(self, top: OverlayAccountDB, below: OverlayAccountDB) -> None:
        """Computes now the leaves of the accounts `top` wrote since the last call, so that the
        next root, once `below` has absorbed `top`, computes only those written after: the
        parallel engine's parent does this between outcomes, off the block's serial tail.
        Left to the root: an account with storage written in `below` (its storage may span both
        layers) or in `top` (its storage trie would be rebuilt at every call). The layers keep
        those addresses (`stored`): a scan of `top`, which holds the whole block's commit,
        made each call cost as much as the block so far."""
        changed = top.take_written()
        for address in changed:
            self._ahead.pop(address, None)
            if address not in below.stored and address not in top.stored:  # so its storage is the pre-state's
                self._ahead[address] = self._written_leaf(top, address, {})

    def forget_ahead(self, top: OverlayAccountDB) -> None:
        """Before a root: drops the leaves computed ahead for accounts `top` wrote since."""
        if self._ahead:
            for address in top.take_written():
                self._ahead.pop(address, None)

    def _written_leaf(self, layer: OverlayAccountDB, address: bytes, slots: dict[int, int]) -> tuple[bytes, bytes] | None:
        """A written account's trie key and leaf, None if it is not in the trie."""
        if layer.fields.get((address, "wiped")):
            storage = slots
        else:
            storage = {**self.accounts.get(address, _ABSENT).storage, **slots}
        storage_root = _storage_root(storage)
        if not layer.account_exists(Address(address)) and storage_root == BLANK_ROOT_HASH:
            return None
        account = _encode(
            layer.get_nonce(Address(address)),
            layer.get_balance(Address(address)),
            storage_root,
            layer.get_code_hash(Address(address)),
        )
        return keccak(address), account

    def _leaf(self, address: bytes) -> tuple[bytes, bytes]:
        """An untouched account's trie key and leaf."""
        account = self.accounts[address]
        code_hash = self._code_hash(address, account).to_bytes(32, "big")
        return keccak(address), _encode(account.nonce, account.balance, _storage_root(account.storage), code_hash)

    def persist(self, layer: OverlayAccountDB) -> tuple[Hash32, MetaWitnessAPI]:
        """Nothing to write anywhere: the root, and an empty witness."""
        return self.root(layer), MetaWitness(set(), {})


class TriePreState:
    """A chain's state trie at a root, read through py-evm's AccountDB; the block's writes
    go into that AccountDB when a root is asked for, so the chain's database carries on."""

    def __init__(self, db: AtomicDatabaseAPI, state_root: Hash32) -> None:
        self.accounts = AccountDB(db, state_root)

    def value(self, key: Key) -> int:
        address, kind, slot = key
        account = Address(address)
        if kind == Kind.BALANCE:
            return self.accounts.get_balance(account)
        if kind == Kind.NONCE:
            return self.accounts.get_nonce(account)
        if kind == Kind.CODE_HASH:
            return int.from_bytes(self.accounts.get_code_hash(account), "big")
        if kind == Kind.EXISTENCE:
            return int(self.accounts.account_exists(account))
        if kind == Kind.STORAGE:
            return self.accounts.get_storage(account, slot)
        return 0  # STORAGE_WIPE: the trie holds no pending wipe

    def storage(self, address: bytes, slot: int) -> int:
        return self.accounts.get_storage(Address(address), slot)

    def code(self, address: bytes, code_hash: bytes) -> bytes:
        if self.accounts.get_code_hash(Address(address)) != code_hash:
            raise LookupError(f"no code with hash 0x{code_hash.hex()} at 0x{address.hex()}")
        return self.accounts.get_code(Address(address))

    def storage_was_empty(self, address: bytes) -> bool:
        return self.accounts._get_storage_root(Address(address)) == BLANK_ROOT_HASH

    def prepare(self, top: OverlayAccountDB, below: OverlayAccountDB) -> None:
        """Nothing ahead: the AccountDB computes its root from its own trie."""

    def forget_ahead(self, top: OverlayAccountDB) -> None:
        """Nothing computed ahead."""

    def root(self, layer: OverlayAccountDB) -> Hash32:
        """Moves the layer's writes into the AccountDB (emptying the layer) and asks it."""
        self._take(layer)
        layer.clear()
        return self.accounts.make_state_root()

    def _take(self, layer: OverlayAccountDB) -> None:
        """Per account: wipe first, then fields and storage, then existence (a deleted
        account's fields were all written as zero, so the order is safe)."""
        fields: dict[bytes, dict[str, int]] = defaultdict(dict)
        for (address, name), value in layer.fields.items():
            fields[address][name] = value
        for address, written in fields.items():
            account = Address(address)
            if written.get("wiped"):
                self.accounts.delete_storage(account)
            if "balance" in written:
                self.accounts.set_balance(account, written["balance"])
            if "nonce" in written:
                self.accounts.set_nonce(account, written["nonce"])
            if "code_hash" in written:
                code_hash = written["code_hash"].to_bytes(32, "big")
                if code_hash != self.accounts.get_code_hash(account):
                    self.accounts.set_code(account, layer.code(address, code_hash))
        for (address, slot), value in layer.slots.items():
            self.accounts.set_storage(Address(address), slot, value)
        for address, written in fields.items():
            if written.get("exists") == 0:
                self.accounts.delete_account(Address(address))
            elif written.get("exists") == 1:
                self.accounts.touch_account(Address(address))

    def persist(self, layer: OverlayAccountDB) -> tuple[Hash32, MetaWitnessAPI]:
        self.root(layer)
        witness = self.accounts.persist()
        return self.accounts.state_root, witness


PreState = FlatPreState | TriePreState


def _storage_root(storage: Mapping[int, int]) -> bytes:
    if not any(storage.values()):
        return BLANK_ROOT_HASH
    return secure_trie_root((slot.to_bytes(32, "big"), encode_int(value)) for slot, value in storage.items() if value)


def _encode(nonce: int, balance: int, storage_root: bytes, code_hash: bytes) -> bytes:
    """An account as the state trie holds it, RLP by hand (see trie.encode_int)."""
    return rlp_list(b"".join((encode_int(nonce), encode_int(balance), b"\xa0", storage_root, b"\xa0", code_hash)))

