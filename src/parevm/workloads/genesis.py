"""A workload's genesis put together piece by piece, token ledgers included."""

from collections import defaultdict
from collections.abc import Iterable, Mapping

from eth_keys import keys

from ..blockinput import Account
from .chain import FUNDS, address_of, key
from .contracts import Contract, contract


class Genesis:
    """Accounts, plus per token the balances and allowances that become its storage at the
    end, with the total supply equal to the balances (so token totals can be checked)."""

    def __init__(self) -> None:
        self.accounts: dict[bytes, Account] = {}
        self.balances: dict[bytes, dict[bytes, int]] = {}
        self.allowances: dict[bytes, dict[tuple[bytes, bytes], int]] = {}

    def fund(self, private_keys: Iterable[keys.PrivateKey]) -> None:
        """Give each key's account plenty of ether for its transactions."""
        for private_key in private_keys:
            self.accounts[address_of(private_key)] = Account(balance=FUNDS)

    def funded(self, seed: int, role: bytes, count: int) -> list[keys.PrivateKey]:
        """The first `count` keys of `role`, each account funded."""
        private_keys = [key(seed, role, i) for i in range(count)]
        self.fund(private_keys)
        return private_keys

    def place(
        self, address: bytes, code: Contract, storage: Mapping[int, int] | None = None
    ) -> bytes:
        self.accounts[address] = code.account(storage or {})
        return address

    def token(self, address: bytes) -> bytes:
        """A Token contract at `address`, its ledger filled by credit and approve."""
        self.balances[address] = defaultdict(int)
        self.allowances[address] = {}
        return address

    def credit(self, token: bytes, holder: bytes, amount: int) -> None:
        self.balances[token][holder] += amount

    def approve(self, token: bytes, owner: bytes, spender: bytes, amount: int) -> None:
        self.allowances[token][owner, spender] = amount

    def pre_state(self) -> dict[bytes, Account]:
        state = dict(self.accounts)
        code = contract("Token")
        for token, balances in self.balances.items():
            storage = {code.slot("totalSupply"): sum(balances.values())}
            storage.update((code.slot("balanceOf", holder), v) for holder, v in balances.items())
            storage.update(
                (code.slot("allowance", owner, spender), v)
                for (owner, spender), v in self.allowances[token].items()
            )
            state[token] = code.account(storage)
        return state
