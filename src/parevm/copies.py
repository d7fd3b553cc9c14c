"""The machine's own ceiling for a block: N copies of its sequential replay run at once.

Two cores of a shared or virtual machine seldom do twice the work of one (a shared cache and
memory bus, a busy host). Dividing one block among N workers cannot beat what N independent
copies of the whole sequential replay get done together, so `parevm bench` measures that
beside the engine and reports each parallel row against it.
"""

import os
import signal
import struct
from typing import BinaryIO

from .blockinput import BlockInput
from .children import fork_bound
from .engine import Engine
from .errors import ParevmError


def slowest_copy_seconds(engine: Engine, block: BlockInput, copies: int) -> float:
    """Forks `copies` processes that replay `block` with `engine` together (released at once,
    after every fork) and returns the slowest one's replay seconds, less the post-state diff
    as the bench counts a run: their work divided by it is what the machine does at once.
    The copies are bound to this process (see children): killed if it is interrupted."""
    go_read, go_write = os.pipe()
    running: dict[int, BinaryIO] = {}  # pid: the read end of its pipe
    try:
        for _ in range(copies):
            read, write = os.pipe()

            def copy() -> None:
                os.close(go_write)
                os.read(go_read, 1)  # EOF once the parent has forked every copy
                result = engine.execute(block)
                os.write(write, struct.pack("!d", result.seconds - result.phases.get("diff", 0.0)))

            pid = fork_bound(copy)
            os.close(write)
            running[pid] = os.fdopen(read, "rb")
        os.close(go_write)
        go_write = -1
        return _slowest(running)
    finally:
        if go_write >= 0:
            os.close(go_write)
        os.close(go_read)
        for pid, pipe in running.items():  # only where interrupted: stop the copies left
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pipe.close()


def _slowest(running: dict[int, BinaryIO]) -> float:
    """Waits for every copy (each leaves `running` once reaped); the slowest one's seconds."""
    copies = len(running)
    seconds: list[float] = []
    for pid, pipe in list(running.items()):
        reported = pipe.read()
        _, status = os.waitpid(pid, 0)
        del running[pid]
        pipe.close()
        if status == 0 and len(reported) == 8:
            (copy_seconds,) = struct.unpack("!d", reported)
            seconds.append(copy_seconds)
    if len(seconds) < copies:
        raise ParevmError(f"{copies - len(seconds)} of {copies} concurrent copies of the sequential replay failed")
    return max(seconds)
