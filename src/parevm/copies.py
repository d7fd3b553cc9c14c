"""The machine's own ceiling for a block: N copies of its sequential replay run at once.

Two cores of a shared or virtual machine seldom do twice the work of one (a shared cache and
memory bus, a busy host). Dividing one block among N workers cannot beat what N independent
copies of the whole sequential replay get done together, so `parevm bench` measures that
beside the engine and reports each parallel row against it.
"""

import os
import struct

from .blockinput import BlockInput
from .engine import Engine
from .errors import ParevmError


def slowest_copy_seconds(engine: Engine, block: BlockInput, copies: int) -> float:
    """Forks `copies` processes that replay `block` with `engine` together (released at once,
    after every fork) and returns the slowest one's replay seconds, less the post-state diff
    as the bench counts a run: their work divided by it is what the machine does at once."""
    go_read, go_write = os.pipe()
    children: list[tuple[int, int]] = []
    try:
        for _ in range(copies):
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the copy
                status = 1
                try:
                    os.close(go_write)
                    os.read(go_read, 1)  # EOF once the parent has forked every copy
                    result = engine.execute(block)
                    os.write(write, struct.pack("!d", result.seconds - result.phases.get("diff", 0.0)))
                    status = 0
                finally:
                    os._exit(status)
            os.close(write)
            children.append((pid, read))
    finally:
        os.close(go_read)
        os.close(go_write)
    seconds: list[float] = []
    failed = 0
    for pid, read in children:
        with os.fdopen(read, "rb") as pipe:
            reported = pipe.read()
        _, status = os.waitpid(pid, 0)
        if status or len(reported) != 8:
            failed += 1
        else:
            (copy_seconds,) = struct.unpack("!d", reported)
            seconds.append(copy_seconds)
    if failed:
        raise ParevmError(f"{failed} of {copies} concurrent copies of the sequential replay failed")
    return max(seconds)
