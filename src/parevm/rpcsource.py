"""Blocks from a node, in the block file format (docs/block-file.md).

A block's pre-state is what `debug_traceBlockByNumber` with the prestate tracer reports for
each transaction, merged over the block: the first report of an account or a slot wins, since a
later transaction may see what an earlier one wrote. The tracer leaves out the
accounts a transaction creates, so a later transaction would report such an account as if it
had existed before the block: the tracer's diff mode says which accounts each transaction
changed, and an account first reported after an earlier transaction changed it is left out
(it did not exist before the block). What the tracer leaves out is
asked for at the parent block: code it omits (nodes leave out empty code), and the fee recipient
and withdrawal recipients when no transaction touched them. Ancestor hashes are fetched only
when some code the block can run holds a BLOCKHASH instruction.
"""

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from .blockfile import block_input_from_json
from .blockinput import Account, BlockInput
from .blockwriter import pre_state_to_json
from .errors import InputError
from .hexjson import FieldReader, parse_data, parse_quantity
from .rpc import RpcClient, RpcError

BLOCKHASH, PUSH1, PUSH32 = 0x40, 0x60, 0x7F
BLOCKHASH_WINDOW = 256
PRESTATE = {"tracer": "prestateTracer"}
PRESTATE_DIFF = {"tracer": "prestateTracer", "tracerConfig": {"diffMode": True}}
_FIELDS = ("balance", "nonce", "code")
DELEGATION = "0xef0100"
DELEGATED = re.compile(DELEGATION + "[0-9a-f]{40}")


class BlockSource:
    """Fetches blocks from one node as block-file JSON objects (or BlockInputs)."""

    def __init__(self, client: RpcClient) -> None:
        self.client = client
        self._chain_id: int | None = None
        self._hashes: dict[int, bytes] = {}

    @property
    def name(self) -> str:
        """The node's address without credentials or path (hosted nodes keep API keys there)."""
        parts = urlsplit(self.client.url)
        return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")

    def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = self._quantity(self.client.call("eth_chainId"), "eth_chainId")
        return self._chain_id

    def latest(self) -> int:
        return self._quantity(self.client.call("eth_blockNumber"), "eth_blockNumber")

    def block_numbers(self, specs: Sequence[str]) -> list[int]:
        """`N`, `0xN`, `latest` and inclusive ranges `A..B` → block numbers, in the order given."""
        numbers: list[int] = []
        for spec in specs:
            first, dots, last = spec.partition("..")
            start = self._number(first, spec)
            end = self._number(last, spec) if dots else start
            if end < start:
                raise InputError("BLOCK", f"empty range {spec!r}: {start} is after {end}")
            numbers.extend(range(start, end + 1))
        return numbers

    def block_json(self, number: int, fork: str | None = None) -> dict[str, Any]:
        """The block file object of block `number`, checked by loading it (header hash included)."""
        return self._fetch(number, fork)[0]

    def block_input(self, number: int, fork: str | None = None) -> BlockInput:
        return self._fetch(number, fork)[1]

    def _fetch(self, number: int, fork: str | None) -> tuple[dict[str, Any], BlockInput]:
        where = self._where(number)
        if number == 0:
            raise InputError(where, "the genesis block has no parent state to replay it on")
        block = self.client.call("eth_getBlockByNumber", hex(number), True)
        if block is None:
            raise InputError(where, f"the node has no such block (its latest is {self.latest()})")
        # Single calls: some hosted nodes refuse debug methods inside a batch.
        traces = self.client.call("debug_traceBlockByNumber", hex(number), PRESTATE)
        diffs = self.client.call("debug_traceBlockByNumber", hex(number), PRESTATE_DIFF)
        reader = FieldReader(where, block, "block")
        transactions = reader.entries("transactions")
        merged = merge_prestates(where, traces, diffs, len(transactions))
        unreported = unreported_parties(where, traces, [
            (tx.data("from", 20), tx.data("to", 20) if tx.has("to") else None) for tx in transactions
        ])
        # Some tracers leave out empty accounts: those are asked for at the parent too.
        absent = [address for _, _, address in unreported if address not in merged]
        self._complete(merged, number - 1, absent + untraced_accounts(reader))
        # Codes are all known now: the accounts they delegate to (EIP-7702) run too.
        self._complete(merged, number - 1, delegation_targets(merged))
        accounts = pre_state_accounts(where, merged)
        for index, role, address in unreported:
            account = accounts[address]
            if address in absent and (account.balance or account.nonce or account.code):
                raise InputError(
                    where,
                    f"debug_traceBlockByNumber: trace[{index}] leaves out transaction {index}'s "
                    f"{role} 0x{address.hex()}, which exists at block {number - 1}: the node's "
                    "traces leave out accounts the block touches",
                )
        runs_blockhash = _runs_blockhash(reader, accounts.values())
        obj: dict[str, Any] = {
            "chainId": hex(self.chain_id()),
            "source": f"{self.name} block {number} (eth_getBlockByNumber, prestateTracer)",
            "block": block,
            "preState": pre_state_to_json(accounts),
            "blockHashes": {
                str(n): "0x" + h.hex() for n, h in self._ancestor_hashes(number).items()
            } if runs_blockhash else {},
        }
        checked = block_input_from_json(obj, where, fork)
        obj["fork"] = checked.fork
        return obj, checked

    def _complete(self, merged: dict[bytes, dict[str, Any]], parent: int, also: list[bytes]) -> None:
        """Ask the parent's state for what the tracer did not say."""
        for address in also:
            merged.setdefault(address, {})
        calls, targets = [], []
        for address, fields in merged.items():
            hex_address = "0x" + address.hex()
            for name, method in (("balance", "eth_getBalance"), ("code", "eth_getCode"),
                                 ("nonce", "eth_getTransactionCount")):
                if name not in fields and (name != "nonce" or not fields):
                    calls.append((method, [hex_address, hex(parent)]))
                    targets.append((fields, name))
        for (fields, name), value in zip(targets, self.client.batch(calls)):
            fields[name] = value
        for fields in merged.values():
            fields.setdefault("nonce", "0x0")  # the tracer leaves out a zero nonce

    def _ancestor_hashes(self, number: int) -> dict[int, bytes]:
        wanted = range(max(0, number - BLOCKHASH_WINDOW), number - 1)
        missing = [n for n in wanted if n not in self._hashes]
        headers = self.client.batch([("eth_getBlockByNumber", [hex(n), False]) for n in missing])
        for n, header in zip(missing, headers):
            if header is None:
                raise InputError(self._where(number), f"the node has no ancestor block {n}")
            self._hashes[n] = FieldReader(self._where(n), header, "block").data("hash", 32)
        return {n: self._hashes[n] for n in wanted}

    def _number(self, text: str, spec: str) -> int:
        if text == "latest":
            return self.latest()
        try:
            return parse_quantity(text, lambda msg: InputError("BLOCK", f"{spec!r}: {msg}"))
        except InputError:
            raise InputError("BLOCK", f"expected a block number, latest or A..B, got {spec!r}") from None

    def _quantity(self, value: Any, method: str) -> int:
        return parse_quantity(value, lambda msg: RpcError(self.client.url, f"malformed answer to {method}: {msg}"))

    def _where(self, number: int) -> str:
        return f"{self.name} block {number}"


def merge_prestates(
    source: str, traces: Any, diffs: Any, transactions: int
) -> dict[bytes, dict[str, Any]]:
    """Per-transaction prestate-tracer results (plain and diff mode) → the block's pre-state.

    An account's balance, nonce and code come from the first transaction that reports it (a
    field it leaves out is empty), a slot's value from the first that reports the slot; an
    account or slot an earlier transaction changed without reporting it is not pre-state.
    """
    _check_count(source, traces, transactions, "")
    _check_count(source, diffs, transactions, " (diffMode)")
    merged: dict[bytes, dict[str, Any]] = {}
    changed: set[bytes] = set()  # accounts earlier transactions changed
    changed_slots: set[tuple[bytes, int]] = set()
    for index, (trace, diff) in enumerate(zip(traces, diffs)):
        state = FieldReader(source, _unwrap(source, trace), f"trace[{index}]")
        for address, account in _accounts_of(state):
            if address not in merged:
                if address in changed:
                    continue  # created in the block: it did not exist before
                merged[address] = {name: account.raw(name) for name in _FIELDS if account.has(name)}
            if account.has("storage"):
                storage = merged[address].setdefault("storage", {})
                for slot, value in _slots(account):
                    if slot not in storage and (address, slot) not in changed_slots:
                        storage[slot] = value
        diff = FieldReader(source, _unwrap(source, diff), f"diff[{index}]")
        for part in ("pre", "post"):
            for address, account in _accounts_of(diff.child(part)) if diff.has(part) else ():
                changed.add(address)
                if account.has("storage"):
                    changed_slots.update((address, slot) for slot, _ in _slots(account))
    return merged


def unreported_parties(
    source: str, traces: Sequence[Any], parties: Sequence[tuple[bytes, bytes | None]]
) -> list[tuple[int, str, bytes]]:
    """(index, "sender" or "recipient", address) for each transaction whose trace does not
    report its sender or recipient (`parties`, in block order). Prestate tracers report both,
    unless the account is empty and the tracer leaves out empty accounts; otherwise the
    pre-state would lack an account the block touches, and replay it as empty."""
    unreported = []
    for index, (trace, (sender, recipient)) in enumerate(zip(traces, parties)):
        state = FieldReader(source, _unwrap(source, trace), f"trace[{index}]")
        reported = {address for address, _ in _accounts_of(state)}
        for role, address in (("sender", sender), ("recipient", recipient)):
            if address is not None and address not in reported:
                unreported.append((index, role, address))
    return unreported


def _slots(account: FieldReader) -> Iterator[tuple[int, Any]]:
    """(slot, raw value) pairs: slots as numbers, however a node spells them."""
    storage = account.child("storage")
    for slot, value in storage.obj.items():
        yield parse_quantity(slot, lambda msg: storage.fail(slot, msg)), value


def untraced_accounts(block: FieldReader) -> list[bytes]:
    """Accounts a block touches that a prestate tracer may not report: the fee recipient,
    withdrawal recipients, and the accounts set-code authorizations delegate to."""
    addresses = [block.data("miner", 20)]
    addresses += [w.data("address", 20) for w in block.entries("withdrawals", optional=True)]
    addresses += [
        auth.data("address", 20)
        for tx in block.entries("transactions")
        for auth in tx.entries("authorizationList", optional=True)
    ]
    return addresses


def delegation_targets(merged: Mapping[bytes, Mapping[str, Any]]) -> list[bytes]:
    """The accounts that delegated accounts' code (0xef0100 ‖ address) points to."""
    codes = (str(fields.get("code", "")).lower() for fields in merged.values())
    return [bytes.fromhex(code[len(DELEGATION):]) for code in codes if DELEGATED.fullmatch(code)]


def _check_count(source: str, traces: Any, transactions: int, mode: str) -> None:
    if not isinstance(traces, list) or len(traces) != transactions:
        got = f"{len(traces)} results" if isinstance(traces, list) else type(traces).__name__
        raise InputError(source, f"debug_traceBlockByNumber{mode}: expected {transactions} results, got {got}")


def _unwrap(source: str, trace: Any) -> Any:
    """geth wraps each transaction's result as {txHash, result}; some nodes do not."""
    if isinstance(trace, Mapping) and "error" in trace and "result" not in trace:
        raise InputError(source, f"the node could not trace a transaction: {trace['error']}")
    return trace["result"] if isinstance(trace, Mapping) and "result" in trace else trace


def _accounts_of(state: FieldReader) -> Iterator[tuple[bytes, FieldReader]]:
    for key in state.obj:
        address = parse_data(key, 20, lambda msg: state.fail(key, f"bad address: {msg}"))
        yield address, state.child(key)


def pre_state_accounts(source: str, merged: Mapping[bytes, Mapping[str, Any]]) -> dict[bytes, Account]:
    accounts = {}
    for address, fields in merged.items():
        reader = FieldReader(source, fields, f"preState.0x{address.hex()}")
        storage = reader.child("storage").obj if reader.has("storage") else {}
        accounts[address] = Account(
            balance=reader.quantity("balance"),
            nonce=reader.quantity("nonce"),
            code=reader.data("code"),
            storage={
                slot: parse_quantity(value, lambda msg: reader.fail("storage", msg))
                for slot, value in storage.items()
            },
        )
    return accounts


def _runs_blockhash(block: FieldReader, accounts: Iterable[Account]) -> bool:
    """Whether any code the block may run (or create) holds a BLOCKHASH instruction."""
    codes = [account.code for account in accounts]
    codes += [tx.data("input") for tx in block.entries("transactions") if not tx.has("to")]
    return any(_has_blockhash(code) for code in codes)


def _has_blockhash(code: bytes) -> bool:
    """An instruction walk (push data skipped), so a 0x40 inside PUSH data does not count."""
    index = 0
    while index < len(code):
        op = code[index]
        if op == BLOCKHASH:
            return True
        index += 1 + (op - PUSH1 + 1 if PUSH1 <= op <= PUSH32 else 0)
    return False
