"""The block's state as py-evm's account database: layers of plain mappings, no trie walks.

From the top: the current transaction's writes (journaled for reverts), everything locked
since the block began (`committed`), then the pre-state (prestate.py). The same class serves
the sequential mode, the parallel engine's commit and the workers' reads, so every mode
reads state the same way and the comparison between them stays honest.
"""

from typing import Any

from eth.abc import AccountDatabaseAPI, MetaWitnessAPI
from eth.constants import BLANK_ROOT_HASH
from eth_typing import Hash32

from .overlay import OverlayAccountDB
from .prestate import FlatPreState, PreState, TriePreState


class BlockAccountDB(OverlayAccountDB, AccountDatabaseAPI):
    """py-evm passes (db, state_root): a FlatPreState as `db` replays a block input's
    accounts; a database is a chain's, read as its trie at state_root."""

    def __init__(self, db: Any, state_root: Hash32 = BLANK_ROOT_HASH) -> None:
        self.pre: PreState = db if isinstance(db, FlatPreState) else TriePreState(db, state_root)
        self.committed = OverlayAccountDB(self.pre)
        super().__init__(self.committed)
        self._root = state_root

    def lock_changes(self) -> None:
        """A transaction ends: its writes can no longer be reverted."""
        self.committed.absorb(self)
        self.warm.clear()

    def roll_back_to(self, committed: OverlayAccountDB) -> None:
        """Drops every write since `committed` was copied from the committed layer: a parallel
        run that failed may have taken roots, which moved its commit below."""
        self.clear()
        self.committed = self.base = committed

    @property
    def roots_keep_layers(self) -> bool:
        """Whether a root leaves everything below the committed layer as it was: a block
        input's flat pre-state does; a chain's trie takes the committed writes in."""
        return isinstance(self.pre, FlatPreState)

    @property
    def state_root(self) -> Hash32:
        """The root as of the last make_state_root or persist, as py-evm's AccountDB has it."""
        return self._root

    @state_root.setter
    def state_root(self, value: Hash32) -> None:
        """Reverts restore the root they saw; the layers' own journal already reverted."""

    def has_root(self, state_root: bytes) -> bool:
        return isinstance(self.pre, TriePreState) and self.pre.accounts.has_root(state_root)

    def make_state_root(self) -> Hash32:
        self._take_in()
        self._root = self.pre.root(self.committed)
        return self._root

    def persist(self) -> MetaWitnessAPI:
        self._take_in()
        self._root, witness = self.pre.persist(self.committed)
        return witness

    def prepare_root(self) -> None:
        """The leaves of the accounts written so far, computed ahead of the root (see
        FlatPreState.prepare); between transactions only."""
        self.pre.prepare(self, self.committed)

    def _take_in(self) -> None:
        """Before a root: what was written since the last lock moves below, and leaves computed
        ahead for accounts written since then are dropped."""
        self.pre.forget_ahead(self)
        self.committed.absorb(self)
