"""Processes forked to work for this one (the engine's workers, the bench's copies), bound to
it so that stopping them stays its job and none outlives it."""

import ctypes
import gc
import os
import signal
import sys
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_STOPPING = {signal.SIGINT, signal.SIGTERM}
_LIBC = ctypes.CDLL(None, use_errno=True)  # the process's own C library, opened once
_malloc_trim = getattr(_LIBC, "malloc_trim", None) if sys.platform == "linux" else None  # glibc


def fork_bound(work: Callable[[], None]) -> int:
    """Forks a child that binds itself to this process, runs work() and exits: status 0 if
    it returned, 1 if it raised. Returns the child's pid.

    The child freezes what it inherited out of the garbage collector's reach: none of it
    becomes the child's garbage, and a full collection walking it would write to (and so
    copy) every page of the parent's heap that holds an object.

    Ctrl-C and SIGTERM wait while this thread forks: a handler's exception raised inside
    fork's own hooks (logging's, say) would be printed and lost, and the command would run
    on. Once the fork is done, they are handled here, and the child they leave behind is
    killed. (A signal that another thread of the process takes is not held; the command
    line has no other thread.)
    """
    parent = os.getpid()
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPPING)
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            gc.freeze()
            bind_to(parent)
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            work()
            status = 0
        finally:
            os._exit(status)
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # raises what a handler raised meanwhile
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    return pid


def release_free_heap() -> None:
    """Hands the C heap's free pages back to the kernel (glibc's malloc_trim; elsewhere
    nothing), before forking: fork copies the page-table entries of every page the parent has
    mapped, free ones included, and a block leaves several MiB of them behind. On the corpus
    with 2 workers, a fork took 6.0 ms a block after it and 9.1 ms without, for 0.45 ms of
    trimming; the parent waits that long, and its worker starts that much later."""
    if _malloc_trim is not None:
        _malloc_trim(0)


def leave_stopping_to_parent() -> None:
    """Ctrl-C reaches the whole process group, but stopping a child is its parent's job (it
    kills and reaps it), so the child ignores SIGINT and takes SIGTERM's default."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def bind_to(parent: int) -> None:
    """A child's signals as leave_stopping_to_parent sets them, and the kernel kills the child
    if its parent dies first (Linux's PR_SET_PDEATHSIG), so that no child outlives the process
    it works for."""
    leave_stopping_to_parent()
    if sys.platform == "linux":
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before the request took effect
        os._exit(1)
