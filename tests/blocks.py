"""Hand-made blocks for the engine's tests: contracts in raw EVM bytecode, and helpers that
mine a block with py-evm's own chain and load it as a BlockInput."""

from parevm import BlockInput
from parevm.blockfile import block_input_from_json
from parevm.blockinput import Account
from parevm.workloads import FUNDS, dynamic_fee_transaction, key, mine

# CALL(GAS, 0xdead, value, no input or output), its result popped
_CALL_OUT = "6000600060006000" + "60{value:02x}" + "61dead5af150"

# Each contract is a few opcodes; comments give them in assembly.
CONTRACTS = {
    # SLOAD(0) + 1 -> SSTORE(0): one hot slot
    "counter": bytes.fromhex("600054600101600055" + "00"),
    # SLOAD(calldata[0:32]) + 1 -> SSTORE: the caller picks the slot
    "slots": bytes.fromhex("600035805460010190" + "55" + "00"),
    # SSTORE(0, BALANCE(COINBASE)): a real read of the fee recipient
    "coinbase_reader": bytes.fromhex("4131600055" + "00"),
    # SSTORE(0, 1) then REVERT: a write that must not count
    "reverter": bytes.fromhex("6001600055" + "60006000fd"),
    # JUMPDEST PUSH1 0 JUMP: runs out of gas
    "looper": bytes.fromhex("5b600056"),
    # SELFDESTRUCT(COINBASE): sends its balance to the fee recipient
    "destructor": bytes.fromhex("41ff"),
    # CREATE a child whose init code is SELFDESTRUCT(COINBASE), store its address at slot 0
    "factory": bytes.fromhex("6141ff6000526002601e6000f0600055" + "00"),
    # _CALL_OUT(0): a call that sends nothing
    "forwarder": bytes.fromhex(_CALL_OUT.format(value=0) + "00"),
    # _CALL_OUT(1): a call that sends value, so checks the caller's funds
    "payer": bytes.fromhex(_CALL_OUT.format(value=1) + "00"),
    # _CALL_OUT(0), then SSTORE(0, BALANCE(ADDRESS)): a real read after it
    "self_reader": bytes.fromhex(_CALL_OUT.format(value=0) + "3031600055" + "00"),
}
CONTRACT_FUNDS = 10**18


def address_of(name: str) -> bytes:
    return (b"\xc0" + name.encode()).ljust(20, b"\x00")


def genesis(senders: int, seed: int, coinbase: bytes | None, coinbase_funds: int) -> dict[bytes, Account]:
    state = {
        key(seed, b"sender", i).public_key.to_canonical_address(): Account(balance=FUNDS)
        for i in range(senders)
    }
    for name, code in CONTRACTS.items():
        state[address_of(name)] = Account(balance=CONTRACT_FUNDS, nonce=1, code=code)
    if coinbase is not None and coinbase_funds:
        state[coinbase] = Account(balance=coinbase_funds)
    return state


def load(block_file: dict, name: str = "test-block") -> BlockInput:
    return block_input_from_json(block_file, name)


def transfers_to(recipient: bytes, count: int, seed: int = 3) -> BlockInput:
    """`count` senders all paying one recipient: a hot recipient."""
    senders = [key(seed, b"sender", i) for i in range(count)]
    pre = {s.public_key.to_canonical_address(): Account(balance=FUNDS) for s in senders}
    txs = [dynamic_fee_transaction(s, 0, recipient, value=1 + i) for i, s in enumerate(senders)]
    return load(mine(pre, txs))
