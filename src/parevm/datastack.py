"""A block's transactions run on a frame-stack chunk of their own, so that Python 3.11 does not
map and unmap memory on every EVM instruction.

CPython 3.11 keeps frames in 16 KiB chunks and unmaps a chunk as soon as the first frame in it
returns (CPython issue gh-142183; 3.13 and later keep one spare chunk). Where a chunk's edge
falls among the interpreter's calls that run once per EVM instruction, every such call maps
and unmaps 16 KiB and faults its pages in again: on mainnet block 12520364, run by a worker in
the parent's process, 19,281 mmap/munmap pairs and 0.12 s of system time in a transaction phase
of 0.37 s. Whether an edge falls there depends on how deep the block's loop starts, so it
struck some blocks in some modes only. `run_on_own_chunk` calls through a frame that reserves
more than half of a chunk's worth of stack it never uses: CPython opens a 1 MiB chunk for it,
and the calls below it stay in the rest of that chunk (about 500 KiB; the reserved part is never
written, so never faulted in) until they return.
"""

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_RESERVED_SLOTS = 66_560  # 520 KiB of 8-byte stack slots: CPython rounds the chunk up to 1 MiB


def _call(function: Callable[[], T]) -> T:
    return function()


_call.__code__ = _call.__code__.replace(co_stacksize=_RESERVED_SLOTS)


def run_on_own_chunk(function: Callable[[], T]) -> T:
    """function(), its frames on a chunk that nothing it calls in the usual depth leaves."""
    return _call(function)
