"""What a user brings to replay one block: header, transactions, pre-state, ancestors, expectations."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from eth.abc import BlockHeaderAPI, SignedTransactionAPI, WithdrawalAPI

from .forks import VMClass


@dataclass(frozen=True)
class Account:
    """One account as it was before the block (absent storage slots are zero)."""

    balance: int = 0
    nonce: int = 0
    code: bytes = b""
    storage: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Expected:
    """Header values a correct replay must reproduce; None where the source did not say."""

    gas_used: int | None = None
    logs_bloom: int | None = None
    receipts_root: bytes | None = None
    state_root: bytes | None = None


class MissingAncestor(LookupError):
    """BLOCKHASH asked for an ancestor that the block's input does not carry."""


@dataclass(frozen=True)
class AncestorHashes:
    """The ancestor hashes BLOCKHASH may read: the parent's, and those the input carries.

    A lookup of a hash the input does not hold raises MissingAncestor rather than letting
    the block run on with a wrong hash.
    """

    number: int
    parent_hash: bytes
    known: Mapping[int, bytes]

    def hash_of(self, ancestor: int) -> bytes:
        if ancestor == self.number - 1:
            return self.parent_hash
        try:
            return self.known[ancestor]
        except KeyError:
            raise MissingAncestor(f"the hash of block {ancestor} is not in the input") from None


@dataclass(frozen=True)
class BlockInput:
    """A block ready to execute against a pre-state, with what its header says it produced."""

    source: str
    chain_id: int
    fork: str
    vm_class: VMClass
    header: BlockHeaderAPI
    transactions: tuple[SignedTransactionAPI, ...]
    withdrawals: tuple[WithdrawalAPI, ...] | None
    uncle_count: int
    pre_state: Mapping[bytes, Account]
    ancestors: AncestorHashes
    complete_state: bool
    expected: Expected

    @property
    def number(self) -> int:
        return self.header.block_number
