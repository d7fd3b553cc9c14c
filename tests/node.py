"""A real node for the JSON-RPC tests: anvil on 127.0.0.1, and a block history of mixed kinds
(transfers, token transfers, swaps, a revert, a contract creation) mined into a few blocks."""

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from random import Random

from eth._utils.address import generate_contract_address

from parevm.rpc import RpcClient, RpcError
from parevm.workloads.contracts import contract, word

ROOT = Path(__file__).resolve().parent.parent
GWEI = 10**9
SUPPLY = 10**30


def find_anvil() -> str | None:
    """$PAREVM_ANVIL, else the one `make anvil` installs, else anvil on the PATH."""
    candidates = [os.environ.get("PAREVM_ANVIL"), str(ROOT / "build/anvil/node_modules/.bin/anvil")]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("anvil")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Anvil:
    """anvil with automining off, on a free port; stopped (and waited for) on exit."""

    def __init__(self, binary: str, accounts: int = 20) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [binary, "--host", "127.0.0.1", "--port", str(self.port), "--hardfork", "prague",
             "--no-mining", "--accounts", str(accounts), "--silent"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        self.client = RpcClient(self.url, timeout=30, retries=0)
        deadline = time.monotonic() + 30
        while True:
            try:
                self.client.call("eth_chainId")
                return
            except RpcError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"anvil did not start: {self.process.stderr.read()[-500:]!r}")
                time.sleep(0.1)

    def stop(self) -> None:
        self.client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stderr.close()

    def __enter__(self) -> "Anvil":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class History:
    blocks: list[int]  # the blocks of mixed transactions (after the set-up blocks)
    reverted: int  # transactions that reverted in them
    created: int  # contracts they created
    fresh: list[str]  # a contract created in each block, then called in the same block


class Sender:
    """Sends transactions from the node's unlocked accounts, numbering nonces itself."""

    def __init__(self, client: RpcClient) -> None:
        self.client = client
        self.accounts = client.call("eth_accounts")
        self.nonces = {a: int(client.call("eth_getTransactionCount", a, "pending"), 16) for a in self.accounts}
        self.hashes: list[str] = []

    def send(self, sender: str, to: str | None, data: bytes = b"", value: int = 0,
             gas: int = 100_000, legacy: bool = False) -> str:
        tx = {"from": sender, "value": hex(value), "gas": hex(gas), "input": "0x" + data.hex(),
              "nonce": hex(self.nonces[sender])}
        if to is not None:
            tx["to"] = to
        if legacy:
            tx["gasPrice"] = hex(50 * GWEI)
        else:
            tx.update(maxFeePerGas=hex(50 * GWEI), maxPriorityFeePerGas=hex(GWEI))
        self.nonces[sender] += 1
        tx_hash = self.client.call("eth_sendTransaction", tx)
        self.hashes.append(tx_hash)
        return tx_hash

    def mine(self) -> list[dict]:
        """Mine the pool into one block; every transaction sent since must be in it."""
        self.client.call("evm_mine")
        receipts = [self.client.call("eth_getTransactionReceipt", h) for h in self.hashes]
        missing = [h for h, r in zip(self.hashes, receipts) if r is None]
        assert not missing, f"{len(missing)} transactions were not mined"
        self.hashes = []
        return receipts


def build_history(client: RpcClient, blocks: int = 3, per_block: int = 100, seed: int = 0) -> History:
    """Deploy two tokens and two pools, fund traders, then mine `blocks` blocks of mixed work."""
    rng = Random(seed)
    sender = Sender(client)
    owner, traders = sender.accounts[0], sender.accounts[1:]
    token, pair = contract("Token"), contract("Pair")
    for _ in range(2):
        sender.send(owner, None, token.creation + word(SUPPLY), gas=2_000_000)
    for _ in range(2):
        sender.send(owner, None, pair.creation, gas=2_000_000)
    created = [r["contractAddress"] for r in sender.mine()]
    tokens, pools = created[:2], created[2:]

    def at(address: str) -> bytes:
        return bytes.fromhex(address[2:])

    for pool in pools:  # the pools' token addresses and reserves, written as their storage
        for slot, value in enumerate([at(tokens[0]), at(tokens[1]), 10**24, 10**24]):
            client.call("anvil_setStorageAt", pool, hex(slot), "0x" + word(value).hex())
        for t in tokens:
            sender.send(owner, t, token.call("transfer(address,uint256)", at(pool), 10**24))
    for trader in traders:
        for t in tokens:
            sender.send(owner, t, token.call("transfer(address,uint256)", at(trader), 10**26))
            for pool in pools:
                sender.send(trader, t, token.call("approve(address,uint256)", at(pool), 2**256 - 1))
    sender.mine()

    numbers, reverted, creations, fresh = [], 0, 0, []
    for block in range(blocks):
        for index in range(per_block):
            trader = rng.choice(traders)
            kind = rng.choice(("eth", "token", "swap"))
            legacy = index % 7 == 0
            if kind == "eth":
                sender.send(trader, rng.choice(sender.accounts), value=rng.randrange(1, 10**18),
                            gas=21_000, legacy=legacy)
            elif kind == "token":
                data = token.call("transfer(address,uint256)", at(rng.choice(traders)), rng.randrange(1, 10**20))
                sender.send(trader, rng.choice(tokens), data, legacy=legacy)
            else:
                data = pair.call("swap(bool,uint256)", rng.random() < 0.5, rng.randrange(10**18, 10**20))
                sender.send(trader, rng.choice(pools), data, gas=200_000, legacy=legacy)
        # A transfer of more tokens than the sender holds reverts; a creation in every block.
        sender.send(traders[block], tokens[0], token.call("transfer(address,uint256)", at(owner), 10**29))
        creator = traders[-1 - block]
        fresh.append("0x" + generate_contract_address(at(creator), sender.nonces[creator]).hex())
        sender.send(creator, None, token.creation + word(10**18), gas=2_000_000)
        sender.send(creator, fresh[-1], token.call("transfer(address,uint256)", at(owner), 10**17))
        receipts = sender.mine()
        reverted += sum(int(r["status"], 16) == 0 for r in receipts)
        creations += sum(r["contractAddress"] is not None for r in receipts)
        numbers.append(int(receipts[0]["blockNumber"], 16))
    return History(numbers, reverted, creations, fresh)
