"""parevm's py-evm state classes, and plain py-evm's state trie built from a pre-state."""

import functools
from collections.abc import Mapping
from typing import Any

from eth.abc import StateAPI
from eth.db.account import AccountDB
from eth.db.atomic import AtomicDB
from eth_typing import Address, Hash32
from eth_utils.logging import get_extended_debug_logger

from .blockinput import Account, AncestorHashes
from .blockstate import BlockAccountDB
from .codestream import StartsJumpChecks


class AncestorLookup:
    """BLOCKHASH from the block input's ancestor hashes instead of a chain database."""

    ancestors: AncestorHashes | None = None

    def get_ancestor_hash(self, block_number: int) -> Hash32:
        if self.ancestors is None:
            return super().get_ancestor_hash(block_number)  # type: ignore[misc]
        depth = self.block_number - block_number - 1  # type: ignore[attr-defined]
        if depth < 0 or depth >= 256 or block_number < 0:
            return Hash32(b"")
        return Hash32(self.ancestors.hash_of(block_number))


class OneLogger:
    """py-evm's State.logger looks its logger up on every access (swapping the logging
    module's logger class around the lookup), and every transaction asks twice, for debug lines
    it does not print: 1.8 µs a lookup here. parevm's state classes look it up once, when made,
    under the name py-evm gives it."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.logger = get_extended_debug_logger(f"eth.vm.state.{cls.__name__}")  # type: ignore[attr-defined]


class StorageCollision:
    """EIP-7610, for every fork: creating a contract where storage is non-empty collides.

    py-evm 0.12.1b1 checks only code and nonce, and so fails the EIP's consensus tests; the
    check is the only use py-evm makes of has_code_or_nonce. parevm's account databases (the
    block's state and the parallel engine's transaction view) answer storage_is_empty.
    """

    def has_code_or_nonce(self, address: Address) -> bool:
        return (
            super().has_code_or_nonce(address)  # type: ignore[misc]
            or not self._account_db.storage_is_empty(address)  # type: ignore[attr-defined]
        )


@functools.cache
def block_state_class(base: type[StateAPI]) -> type[StateAPI]:
    """parevm's state: the fork's class on the layered block state, ancestor lookup, EIP-7610,
    jump targets checked from a table (codestream)."""
    computation = base.computation_class
    return type(
        f"Block{base.__name__}",
        (OneLogger, StorageCollision, AncestorLookup, base),
        {
            "account_db_class": BlockAccountDB,
            "computation_class": type(f"Block{computation.__name__}", (StartsJumpChecks, computation), {}),
        },
    )


@functools.cache
def plain_state_class(base: type[StateAPI]) -> type[StateAPI]:
    """The fork's own state class, with only the ancestor lookup a block input needs."""
    return type(f"Ancestors{base.__name__}", (AncestorLookup, base), {})


def build_state_db(pre_state: Mapping[bytes, Account]) -> tuple[AtomicDB, Hash32]:
    """An in-memory state trie holding the pre-state, and its root (for plain py-evm)."""
    db = AtomicDB()
    accounts = AccountDB(db)
    for address, account in pre_state.items():
        for slot, value in account.storage.items():
            if value:
                accounts.set_storage(Address(address), slot, value)
        accounts.set_nonce(Address(address), account.nonce)
        accounts.set_code(Address(address), account.code)
        accounts.set_balance(Address(address), account.balance)
    accounts.persist()
    return db, accounts.state_root
