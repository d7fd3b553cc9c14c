"""One signature recovery per transaction (senders.py), against py-evm's own two functions."""

from eth._utils import transactions as pyevm
from eth.vm.forks.frontier.transactions import FrontierTransaction
from eth.vm.forks.london.transactions import LondonTransactionBuilder
from eth.vm.forks.spurious_dragon.transactions import SpuriousDragonTransaction
from eth_keys import keys
from eth_keys.constants import SECPK1_N
from hypothesis import given, strategies as st

from parevm import senders
from parevm.blockfile import load_block_file
from parevm.crypto import backends_in_use
from parevm.replay import replay
from parevm.sequential import SequentialExecutor

from .conftest import MAINNET, require

N = SECPK1_N
FIELDS = {"nonce": 7, "gas": 21_000, "to": b"\x42" * 20, "value": 10**18, "data": b"\x00\x01"}


def signed(kind: str, secret: int):
    key = keys.PrivateKey(secret.to_bytes(32, "big"))
    if kind == "frontier":
        return FrontierTransaction.create_unsigned_transaction(gas_price=3, **FIELDS).as_signed_transaction(key)
    if kind == "eip155":
        unsigned = SpuriousDragonTransaction.create_unsigned_transaction(gas_price=3, **FIELDS)
        return unsigned.as_signed_transaction(key, chain_id=1)
    unsigned = LondonTransactionBuilder.new_unsigned_dynamic_fee_transaction(
        chain_id=1, max_priority_fee_per_gas=1, max_fee_per_gas=2, access_list=[(b"\x43" * 20, [1, 2])], **FIELDS
    )
    return unsigned.as_signed_transaction(key)


def outcome(function, transaction):
    try:
        return "ok", function(transaction)
    except Exception as error:
        return type(error), str(error)


def high_s(transaction):
    """The same signature with s in its high form (valid before Homestead), parity flipped."""
    if transaction.type_id is None:  # v: 27 or 28, or 35 + 2 * chain_id + parity (EIP-155)
        flipped = 55 - transaction.v if transaction.v in (27, 28) else transaction.v + (1 if transaction.v % 2 else -1)
        return transaction.copy(s=N - transaction.s, v=flipped)
    return transaction.copy(s=N - transaction.s, y_parity=transaction.y_parity ^ 1)


def tampered(transaction, r, s, v):
    if transaction.type_id is None:
        return transaction.copy(r=r, s=s, v=v)
    return transaction.copy(r=r, s=s, y_parity=v % 4)


def assert_same_as_pyevm(transaction):
    """Both functions answer as py-evm's: the same sender, or the same error; a signature
    the check accepts leaves the sender py-evm would recover in its cache."""
    theirs = outcome(pyevm.extract_transaction_sender, transaction)
    assert outcome(senders.extract_transaction_sender, transaction) == theirs
    checked = outcome(pyevm.validate_transaction_signature, transaction)
    transaction.__dict__.pop("sender", None)
    assert outcome(senders.validate_transaction_signature, transaction) == checked
    if checked[0] == "ok":
        assert theirs[0] == "ok" and transaction.__dict__["sender"] == theirs[1]
    else:
        assert "sender" not in transaction.__dict__


KINDS = st.sampled_from(["frontier", "eip155", "london"])
SECRETS = st.integers(min_value=1, max_value=N - 1)


@given(KINDS, SECRETS)
def test_a_valid_signature_gives_pyevms_sender(kind, secret):
    """The signer's address, from the signature and from its high-s twin (which the signature
    check accepts; Homestead's low-s rule is validate()'s, not this check's)."""
    address = keys.PrivateKey(secret.to_bytes(32, "big")).public_key.to_canonical_address()
    for transaction in (signed(kind, secret), high_s(signed(kind, secret))):
        assert_same_as_pyevm(transaction)
        assert transaction.__dict__["sender"] == senders.extract_transaction_sender(transaction) == address


@given(KINDS, SECRETS, st.integers(0, 2**256 - 1), st.integers(0, 2**256 - 1), st.integers(0, 80))
def test_any_signature_values_give_what_pyevm_gives(kind, secret, r, s, v):
    assert_same_as_pyevm(tampered(signed(kind, secret), r, s, v))


@given(KINDS, SECRETS, st.sampled_from([0, 1, N - 1, N, N + 1, 2**256 - 1]), st.sampled_from([0, 1, N // 2, N // 2 + 1, N - 1, N]))
def test_edge_values_give_what_pyevm_gives(kind, secret, r, s):
    transaction = signed(kind, secret)
    assert_same_as_pyevm(tampered(transaction, r, s, transaction.v if transaction.type_id is None else transaction.y_parity))


def test_a_replay_recovers_each_signature_once(monkeypatch):
    """Mainnet block 4330482: 237 legacy transactions, each checked and its sender recovered
    by py-evm (two recoveries and a verification each), here one recovery each."""
    block = load_block_file(require(MAINNET / "4330482.json.gz"))
    recoveries = []
    key_class = senders.PublicKey

    class Counting:
        @staticmethod
        def from_signature_and_message(*args, **kwargs):
            recoveries.append(args[0])  # the signature
            return key_class.from_signature_and_message(*args, **kwargs)

    monkeypatch.setattr(senders, "PublicKey", Counting)
    monkeypatch.setattr(pyevm, "extract_transaction_sender", None)  # py-evm's own: never reached
    monkeypatch.setattr(pyevm, "validate_transaction_signature", None)
    result = replay(block, SequentialExecutor())
    assert result.ok
    assert len(recoveries) == len(set(recoveries)) == len(block.transactions) == 237
    assert backends_in_use()["senders"] == "parevm.senders"
