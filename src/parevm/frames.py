"""Messages from a worker to the parent over a plain pipe: a length, then the pickle.

The parent reads without blocking and keeps a partial message until the rest arrives, so a
worker stopped in the middle of writing one never blocks it (the stall check then sees the
stopped worker), and a worker killed in the middle leaves a pipe that ends inside a message,
which is a lost worker rather than an error out of the pipe.
"""

import os
import pickle
import struct
from typing import Any

_LENGTH = struct.Struct("!Q")
_READ = 1 << 20  # at most per wake-up; a pipe holds far less, so one read empties it


def frame(message: Any) -> bytes:
    """A message as it travels: its pickle's length, then the pickle."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(data)) + data


class Outbox:
    """A worker's end. Sending never blocks: what the pipe cannot take now (the parent is busy,
    say with a long transaction of its own, and reads nothing) stays here and goes out with
    the next message or push, and close() writes the rest. A blocking write held a worker idle
    for the whole of the parent's transaction: 1.06 s of 1.5 on mainnet block 16257471."""

    def __init__(self, fd: int) -> None:
        os.set_blocking(fd, False)
        self.fd = fd
        self.unsent = bytearray()

    def send(self, message: Any) -> None:
        self.unsent += frame(message)
        self.push()

    def push(self) -> None:
        """Writes what the pipe takes now of what is unsent."""
        try:
            while self.unsent:
                del self.unsent[:os.write(self.fd, self.unsent)]
        except BlockingIOError:
            pass

    def close(self) -> None:
        """Writes the rest, waiting for the parent to read it, and closes."""
        os.set_blocking(self.fd, True)
        self.push()
        os.close(self.fd)


class Inbox:
    """The parent's end of one worker's pipe, read without blocking."""

    def __init__(self, fd: int) -> None:
        os.set_blocking(fd, False)
        self.fd = fd
        self.buffer = bytearray()
        self.ended = False  # the worker's end is closed: it exited

    def fileno(self) -> int:
        return self.fd

    def receive(self) -> list[Any]:
        """Reads what the pipe holds; returns the messages now whole, in order."""
        try:
            chunk = os.read(self.fd, _READ)
        except BlockingIOError:
            chunk = None
        if chunk == b"":
            self.ended = True
        elif chunk:
            self.buffer += chunk
        messages = []
        start = 0
        while len(self.buffer) - start >= _LENGTH.size:
            (length,) = _LENGTH.unpack_from(self.buffer, start)
            end = start + _LENGTH.size + length
            if len(self.buffer) < end:
                break
            messages.append(pickle.loads(self.buffer[start + _LENGTH.size:end]))
            start = end
        del self.buffer[:start]
        return messages

    @property
    def cut_off(self) -> bool:
        """The worker's end closed inside a message."""
        return self.ended and bool(self.buffer)

    def close(self) -> None:
        os.close(self.fd)
