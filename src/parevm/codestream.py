"""JUMP and JUMPI targets checked against a table of where the code's instructions start.

py-evm's CodeStream decides per jump target whether it starts an instruction or lies in a
PUSH's data by looking back up to 32 bytes (recursively, for each PUSH it meets), and keeps
the answers only for the message: an ERC20 transfer makes about 30 such checks, 5% of its
time under the profiler. Here the code's instruction starts are found once per code and
process, natively, and a check is an index into them.
"""

from eth.abc import MessageAPI, StateAPI, TransactionContextAPI
from eth.vm.code_stream import CodeStream

from ._native import ffi, lib

_MAX_CACHED = 64 << 20  # bytes of code (and as many of tables) kept at most, per process
_starts: dict[bytes, bytes] = {}
_cached = 0


def opcode_starts(code: bytes) -> bytes:
    """A byte per byte of code: 1 where an instruction starts, 0 in a PUSH's data."""
    global _cached
    starts = _starts.get(code)
    if starts is None:
        table = bytearray(len(code))
        lib.pv_opcode_starts(code, len(code), ffi.from_buffer(table))
        if _cached + len(code) > _MAX_CACHED:
            _starts.clear()
            _cached = 0
        starts = _starts[code] = bytes(table)
        _cached += len(code)
    return starts


class StartsCodeStream(CodeStream):
    """py-evm's CodeStream, its validity check answered from opcode_starts."""

    __slots__ = ("_starts",)

    def __init__(self, code_bytes: bytes) -> None:
        super().__init__(code_bytes)
        self._starts: bytes | None = None

    def is_valid_opcode(self, position: int) -> bool:
        if position >= self._length_cache:
            return False
        if self._starts is None:
            self._starts = opcode_starts(self._raw_code_bytes)
        return self._starts[position] == 1


class StartsJumpChecks:
    """A computation whose code checks its jump targets with StartsCodeStream (empty code, a
    plain transfer's, has nothing to jump to and is left as py-evm made it)."""

    def __init__(self, state: StateAPI, message: MessageAPI, context: TransactionContextAPI) -> None:
        super().__init__(state, message, context)  # type: ignore[call-arg]
        if message.code:
            self.code = StartsCodeStream(message.code)
