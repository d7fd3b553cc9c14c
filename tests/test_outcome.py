"""An outcome as a worker sends it and the parent takes it in: every field comes through."""

import pickle

from eth.exceptions import Revert
from eth_utils import ValidationError

from parevm.outcome import Outcome, sent, sent_invalid
from parevm.receipts import receipt_fields
from tests.test_receipts import _Computation

_LOGS = ((b"\x01" * 20, (3, 2**256 - 1), b"data"),)
_SENDER = b"\x0a" * 20


def _through_pipe(outcome):
    return Outcome.received(pickle.loads(pickle.dumps(outcome)))


def test_a_receipts_outcome_comes_through_field_for_field():
    computation = _Computation(_LOGS, True, 1_234, 56)
    computation.error = Revert(b"no")
    fields = receipt_fields(b"", 37_000, _LOGS)
    got = _through_pipe(sent(computation, 0.25, fields, _SENDER))
    assert (got.gas_remaining, got.gas_refund, got.data_floor_gas, got.is_error) == (1_234, 56, 0, True)
    assert type(got.error) is Revert and got.error.args == (b"no",)
    assert (got.output, got.seconds, got.sender, got.invalid) == (b"\x07" * 3, 0.25, _SENDER, None)
    assert got.receipt == fields and type(got.receipt) is type(fields)
    assert got.get_log_entries() == _LOGS and got.logs == ()


def test_an_outcome_without_receipt_carries_its_logs():
    """Before Byzantium the commit makes the receipt: the outcome holds the logs instead."""
    got = _through_pipe(sent(_Computation(_LOGS, False, 0, 0), 0.5, None, None))
    assert got.receipt is None and got.error is None and not got.is_error
    assert got.logs == _LOGS and got.get_log_entries() == _LOGS


def test_an_invalid_outcome_keeps_its_error_and_nothing_else():
    got = _through_pipe(sent_invalid(ValidationError("nonce too low"), 0.125, _SENDER))
    assert type(got.invalid) is ValidationError and got.invalid.args == ("nonce too low",)
    assert got == Outcome(invalid=got.invalid, seconds=0.125, sender=_SENDER)


def test_an_outcome_handed_over_in_place_drops_the_errors_frames():
    """The parent's own worker's outcomes skip the pipe: what pickling would drop (the
    traceback, chained errors) is dropped too, or the incarnation's frames stay alive."""
    try:
        try:
            raise KeyError("inner")
        except KeyError as inner:
            raise ValidationError("outer") from inner
    except ValidationError as error:
        invalid = error
    assert invalid.__traceback__ is not None and invalid.__cause__ is not None
    got = Outcome.received(sent_invalid(invalid, 0.0, None))
    assert got.invalid is invalid
    assert invalid.__traceback__ is None and invalid.__cause__ is None and invalid.__context__ is None
