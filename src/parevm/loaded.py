"""A block's transaction objects as loaded, so that a benchmark that repeats the block times
every run as a replay of a freshly loaded block.

py-evm caches what a run computes on the transaction objects themselves: the sender (about a
third of a plain transfer's work here) and, on a typed transaction's payload, the type byte
that its signing message starts with (6-7 µs a transaction here). A forked worker's caches die
with it, while a run in the benchmark's own process leaves them to the next run: kept, they
would time sequential runs and plain py-evm warm and the parallel engine's workers cold.
"""

from collections.abc import Iterable

from eth.abc import SignedTransactionAPI


class AsLoaded:
    """The attributes each transaction object (and its typed payload) holds when this is made;
    restore() drops whatever runs have cached on them since."""

    def __init__(self, transactions: Iterable[SignedTransactionAPI]) -> None:
        parts = (part for tx in transactions for part in (tx, getattr(tx, "_inner", None)) if part is not None)
        self.loaded = [(part.__dict__, frozenset(part.__dict__)) for part in parts]

    def restore(self) -> None:
        for attributes, loaded in self.loaded:
            for name in attributes.keys() - loaded:
                del attributes[name]
