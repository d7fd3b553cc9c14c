"""go-ethereum's prestate-tracer test cases as one-transaction blocks.

A case holds a genesis (its `alloc` is the pre-state, its `config` the fork schedule), a block
context, one raw signed transaction (`input`) and what the prestate tracer reported for it
(`result`). The case does not say what the block produced, so the BlockInput expects nothing.
"""

from dataclasses import replace
from pathlib import Path
from typing import Any

from eth.constants import BLANK_ROOT_HASH, EMPTY_UNCLE_HASH

from .blockfile import block_input_from_json
from .blockinput import BlockInput, Expected
from .errors import InputError
from .forks import is_at_least
from .hexjson import FieldReader, parse_data, parse_quantity
from .jsonfile import read_json

# geth's chain-config keys, oldest first: forks switched on at a block, then at a time.
BLOCK_FORKS = (
    ("homesteadBlock", "Homestead"), ("eip150Block", "TangerineWhistle"),
    ("eip158Block", "SpuriousDragon"), ("byzantiumBlock", "Byzantium"),
    ("constantinopleBlock", "Constantinople"), ("petersburgBlock", "Petersburg"),
    ("istanbulBlock", "Istanbul"), ("muirGlacierBlock", "MuirGlacier"), ("berlinBlock", "Berlin"),
    ("londonBlock", "London"), ("arrowGlacierBlock", "ArrowGlacier"),
    ("grayGlacierBlock", "GrayGlacier"),
)
TIME_FORKS = (("shanghaiTime", "Shanghai"), ("cancunTime", "Cancun"), ("pragueTime", "Prague"))
_ZERO32 = "0x" + "00" * 32


def fork_from_config(config: FieldReader, number: int, timestamp: int, difficulty: int) -> str:
    """The fork a geth chain config puts the block under."""
    fork = "Frontier"
    for key, name in BLOCK_FORKS:
        if config.has(key) and number >= config.quantity(key):
            fork = name
    if config.has("terminalTotalDifficulty") and difficulty == 0 and is_at_least(fork, "London"):
        fork = "Paris"
        for key, name in TIME_FORKS:
            if config.has(key) and timestamp >= config.quantity(key):
                fork = name
    return fork


def load_tracer_case(path: str | Path) -> BlockInput:
    """The case's transaction as a block on the case's genesis allocation."""
    source = str(path)
    case = FieldReader(source, read_json(path))
    genesis, context = case.child("genesis"), case.child("context")
    config, alloc = genesis.child("config"), genesis.child("alloc")
    number, timestamp = context.quantity("number"), context.quantity("timestamp")
    fork = fork_from_config(config, number, timestamp, context.quantity("difficulty"))
    block = {
        "number": hex(number), "timestamp": hex(timestamp),
        "difficulty": hex(context.quantity("difficulty")), "gasLimit": hex(context.quantity("gasLimit")),
        "miner": context.raw("miner"), "parentHash": genesis.obj.get("hash", _ZERO32),
        "sha3Uncles": "0x" + EMPTY_UNCLE_HASH.hex(), "stateRoot": _ZERO32,
        "transactionsRoot": "0x" + BLANK_ROOT_HASH.hex(), "receiptsRoot": "0x" + BLANK_ROOT_HASH.hex(),
        "logsBloom": "0x" + "00" * 256, "gasUsed": "0x0", "extraData": "0x",
        "mixHash": genesis.obj.get("mixHash", _ZERO32), "nonce": "0x" + "00" * 8,
        "transactions": [], "uncles": [],
    }
    if is_at_least(fork, "London"):
        block["baseFeePerGas"] = hex(context.quantity("baseFeePerGas"))
    if is_at_least(fork, "Shanghai"):
        block.update(withdrawalsRoot="0x" + BLANK_ROOT_HASH.hex(), withdrawals=[])
    if is_at_least(fork, "Cancun"):
        block.update(blobGasUsed="0x0", excessBlobGas=hex(genesis.quantity("excessBlobGas", default=0)),
                     parentBeaconBlockRoot=_ZERO32)
    if is_at_least(fork, "Prague"):
        block["requestsHash"] = _ZERO32
    obj = {
        "chainId": hex(config.quantity("chainId", default=1)),
        "fork": fork,
        "block": block,
        "preState": {address: _full_account(alloc, address) for address in alloc.obj},
    }
    loaded = block_input_from_json(obj, source)
    text = case.raw("input")
    if isinstance(text, str) and not text.startswith("0x"):
        text = "0x" + text  # some cases leave the prefix out
    raw = parse_data(text, None, lambda msg: case.fail("input", msg))
    try:
        transaction = loaded.vm_class.get_transaction_builder().decode(raw)
    except Exception as exc:  # rlp and py-evm raise many kinds for bad encodings
        raise InputError(source, f"field 'input': not a signed transaction: {exc}") from None
    return replace(loaded, transactions=(transaction,), expected=Expected())


def _full_account(alloc: FieldReader, address: str) -> dict[str, Any]:
    """A genesis allocation entry with the fields a block file requires (absent ones empty)."""
    entry = alloc.child(address)
    return {
        "balance": hex(entry.quantity("balance", default=0)),
        "nonce": hex(entry.quantity("nonce", default=0)),
        "code": entry.obj.get("code") or "0x",
        "storage": {
            slot: hex(parse_quantity(value, lambda msg: entry.fail("storage", msg)))
            for slot, value in (entry.obj.get("storage") or {}).items()
        },
    }
