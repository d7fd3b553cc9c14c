"""Jump targets checked from the native table of instruction starts, against py-evm's own
CodeStream at every position of random code (PUSHes of every size, data cut off by the end)."""

from eth.vm.code_stream import CodeStream
from hypothesis import given, settings, strategies as st

from parevm import codestream
from parevm.codestream import StartsCodeStream, opcode_starts

# Mostly PUSH1..PUSH32, JUMPDEST and PUSH0 (whose data, none, is the trap), some of anything.
_byte = st.one_of(st.integers(0x5F, 0x7F), st.just(0x5B), st.integers(0, 255))


@settings(max_examples=500, deadline=None)
@given(st.lists(_byte, max_size=120).map(bytes))
def test_valid_positions_are_py_evms(code):
    ours, theirs = StartsCodeStream(code), CodeStream(code)
    for position in range(len(code) + 3):
        assert ours.is_valid_opcode(position) == theirs.is_valid_opcode(position), position


def test_tables_are_cached_per_code_within_a_bound(monkeypatch):
    monkeypatch.setattr(codestream, "_starts", {})
    monkeypatch.setattr(codestream, "_cached", 0)
    monkeypatch.setattr(codestream, "_MAX_CACHED", 10)
    first = opcode_starts(b"\x60\x5b\x5b\x00")
    assert first == b"\x01\x00\x01\x01" and opcode_starts(b"\x60\x5b\x5b\x00") is first
    opcode_starts(bytes(8))  # 12 bytes in all: the cache starts again
    assert list(codestream._starts) == [bytes(8)] and codestream._cached == 8
