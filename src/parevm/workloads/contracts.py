"""The workload contracts as compiled from contracts/ (`make contracts` writes contracts.json):
code, call data and storage slots, so a genesis can hold them with their state written in."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from eth_utils import keccak

from ..blockinput import Account

Word = int | bytes  # an ABI word or storage key: an integer or bool, or an address


def word(value: Word) -> bytes:
    """The 32-byte ABI encoding of a static value (addresses left-padded)."""
    if isinstance(value, bytes):
        return value.rjust(32, b"\x00")
    return value.to_bytes(32, "big")


def mapping_slot(key: Word, slot: int) -> int:
    """Where Solidity keeps `mapping[key]` for the mapping declared at `slot`."""
    return int.from_bytes(keccak(word(key) + word(slot)), "big")


@dataclass(frozen=True)
class Contract:
    name: str
    runtime: bytes
    creation: bytes
    selectors: Mapping[str, bytes]
    storage: Mapping[str, int]  # state variable -> its slot

    def call(self, signature: str, *args: Word) -> bytes:
        """Call data for a function whose arguments are all one word each."""
        return self.selectors[signature] + b"".join(word(arg) for arg in args)

    def slot(self, variable: str, *keys: Word) -> int:
        """The slot of a state variable, or of a (nested) mapping's entry, outermost key first."""
        slot = self.storage[variable]
        for key in keys:
            slot = mapping_slot(key, slot)
        return slot

    def account(self, storage: Mapping[int, int]) -> Account:
        """The contract as a genesis account holding `storage` (zero values left out)."""
        return Account(nonce=1, code=self.runtime, storage={s: v for s, v in storage.items() if v})


@cache
def artifact() -> dict[str, Any]:
    return json.loads((files(__package__) / "contracts.json").read_text())


@cache
def contract(name: str) -> Contract:
    entry = artifact()["contracts"][name]
    return Contract(
        name=name,
        runtime=bytes.fromhex(entry["runtime"][2:]),
        creation=bytes.fromhex(entry["creation"][2:]),
        selectors={sig: bytes.fromhex(selector) for sig, selector in entry["selectors"].items()},
        storage=entry["storage"],
    )


def contract_address(name: str, index: int = 0) -> bytes:
    """A fixed genesis address for the `index`-th instance of a contract."""
    return keccak(b"parevm-contract" + name.encode() + index.to_bytes(8, "big"))[12:]
