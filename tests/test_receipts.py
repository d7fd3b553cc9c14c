"""parevm's receipt maker and check against py-evm's own, on random logs and transactions."""

import pickle

import pytest
from eth.vm.forks import BerlinVM, CancunVM, PragueVM
from eth_utils import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from parevm.receipts import FastReceiptChecks, FastStatusReceipts, ReceiptFields, logs_bloom

_PY_EVM = (BerlinVM, CancunVM, PragueVM)
_OURS = {vm: type(f"Fast{vm.__name__}", (FastStatusReceipts, vm), {}) for vm in _PY_EVM}

words = st.integers(0, 2**256 - 1)
entries = st.lists(
    st.tuples(st.binary(min_size=20, max_size=20), st.lists(words, max_size=4).map(tuple), st.binary(max_size=80)),
    max_size=4,
).map(tuple)


class _Computation:
    """What make_receipt reads of a computation."""

    def __init__(self, logs, error, gas_remaining, refund):
        self.logs, self.is_error, self.gas_remaining, self.refund = logs, error, gas_remaining, refund
        self.data_floor_gas = 0
        self.output = b"\x07" * 3
        self.error = ValidationError("reverted") if error else None

    def get_log_entries(self):
        return self.logs

    def get_gas_remaining(self):
        return self.gas_remaining

    def get_gas_refund(self):
        return self.refund


class _Header:
    def __init__(self, gas_used):
        self.gas_used = gas_used


def _transaction(vm, kind):
    """An unsigned-then-signed transaction of the fork: legacy (0) or the typed kinds."""
    from eth_keys import keys

    key = keys.PrivateKey(b"\x01" * 32)
    builder = vm.get_transaction_builder()
    common = dict(nonce=1, gas=90_000, to=b"\x22" * 20, value=3, data=b"")
    if kind == 0:
        unsigned = builder.create_unsigned_transaction(gas_price=10**9, **common)
        return unsigned.as_signed_transaction(key, chain_id=1)
    if kind == 1:
        unsigned = builder.new_unsigned_access_list_transaction(chain_id=1, gas_price=10**9, access_list=(), **common)
    else:
        unsigned = builder.new_unsigned_dynamic_fee_transaction(
            chain_id=1, max_priority_fee_per_gas=1, max_fee_per_gas=10**9, access_list=(), **common
        )
    return unsigned.as_signed_transaction(key)


@settings(max_examples=60, deadline=None)
@given(
    logs=entries,
    error=st.booleans(),
    vm=st.sampled_from(_PY_EVM),
    kind=st.sampled_from([0, 1, 2]),
    gas_before=st.integers(0, 30_000_000),
    gas_remaining=st.integers(0, 60_000),
    refund=st.integers(0, 20_000),
)
def test_receipts_are_py_evms(logs, error, vm, kind, gas_before, gas_remaining, refund):
    """Same class, fields, bloom and encoding as py-evm's make_receipt, typed or not."""
    if kind == 2 and vm is BerlinVM:
        kind = 1  # dynamic fees came with London
    transaction = _transaction(vm, kind)
    computation = _Computation(logs, error, gas_remaining, refund)
    expected = vm.make_receipt(_Header(gas_before), transaction, computation, None)
    made = _OURS[vm].make_receipt(_Header(gas_before), transaction, computation, None)
    assert type(made) is type(expected)
    assert made == expected
    assert made.bloom == expected.bloom
    assert made.encode() == expected.encode()
    _OURS[vm].validate_receipt(made)
    _OURS[vm].validate_receipt_fields(_OURS[vm].make_receipt_fields(gas_before, transaction, computation))


@pytest.mark.parametrize("kind", [0, 2])
@pytest.mark.parametrize("logs", [0, 1, 3])
def test_a_committed_receipt_is_py_evms(kind, logs):
    """A worker makes a receipt's fields with its own gas; the commit builds the receipt once
    the gas before it is known, its encoding assembled from the worker's tail. Both must be
    what py-evm's make_receipt makes after that gas."""
    from parevm.outcome import Outcome, sent

    entries = tuple((bytes([i]) * 20, (i, 2**256 - 1 - i), b"\x05" * (i * 40)) for i in range(logs))
    transaction, computation = _transaction(CancunVM, kind), _Computation(entries, False, 37_655, 0)
    before = 7_000_000
    expected = CancunVM.make_receipt(_Header(before), transaction, computation, None)
    fields = _OURS[CancunVM].make_receipt_fields(0, transaction, computation)
    arrived = Outcome.received(pickle.loads(pickle.dumps(sent(computation, 0.1, fields, None))))
    committed = arrived.receipt_after(transaction, before)
    assert type(committed) is type(expected)
    assert committed == expected
    assert committed.encode() == expected.encode()


@settings(max_examples=200, deadline=None)
@given(logs=entries, flips=st.lists(st.integers(0, 2047), max_size=3), status=st.sampled_from([b"", b"\x01", b"\x02"]))
def test_receipt_checks_fail_where_py_evms_fail(logs, flips, status):
    """A bloom with bits cleared (or set) is rejected exactly where py-evm rejects it, and so
    is a status other than 0x or 0x01 from Byzantium on; before it, only the bloom counts.
    The same checks on a receipt's fields (a worker's) agree."""
    from eth.rlp.logs import Log
    from eth.rlp.receipts import Receipt
    from eth.vm.forks import SpuriousDragonVM

    bloom = logs_bloom(logs)
    for bit in flips:
        bloom ^= 1 << bit
    receipt = Receipt(status, 21_000, [Log(*entry) for entry in logs], bloom=bloom)
    fields = ReceiptFields(status, 21_000, bloom, logs, b"")
    pre_byzantium = type("Fast", (FastReceiptChecks, SpuriousDragonVM), {})
    checks = [
        (CancunVM.validate_receipt, receipt),
        (_OURS[CancunVM].validate_receipt, receipt),
        (_OURS[CancunVM].validate_receipt_fields, fields),
        (SpuriousDragonVM.validate_receipt, receipt),
        (pre_byzantium.validate_receipt, receipt),
    ]
    outcomes = []
    for check, argument in checks:
        try:
            check(argument)
            outcomes.append(True)
        except ValidationError:
            outcomes.append(False)
    assert outcomes[0] == outcomes[1] == outcomes[2]
    assert outcomes[3] == outcomes[4]


def test_a_bloom_missing_one_topic_is_rejected():
    """Not only the first item of a log counts: a bloom lacking a later topic's bits fails."""
    from eth.rlp.logs import Log
    from eth.rlp.receipts import Receipt

    address, topics = b"\x07" * 20, (5, 6)
    bloom = logs_bloom([(address, topics[:1], b"")])
    assert logs_bloom([(address, topics, b"")]) & ~bloom  # the second topic adds bits
    receipt = Receipt(b"\x01", 21_000, [Log(address, topics, b"")], bloom=bloom)
    with pytest.raises(ValidationError):
        CancunVM.validate_receipt(receipt)
    with pytest.raises(ValidationError):
        _OURS[CancunVM].validate_receipt(receipt)


def test_logs_bloom_is_eth_blooms():
    from eth_bloom import BloomFilter

    logs = [(b"\x01" * 20, (1, 2**256 - 1), b""), (b"\x02" * 20, (), b"x")]
    items = [item for address, topics, _ in logs for item in (address, *(t.to_bytes(32, "big") for t in topics))]
    assert logs_bloom(logs) == int(BloomFilter.from_iterable(items))
    assert logs_bloom([]) == 0
