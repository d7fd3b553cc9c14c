"""Ctrl-C and SIGTERM during long commands: exit 130/143 with one line, every worker process
stopped (the engine's, and a conformance pool's with theirs), no output file half-written."""

import os
import signal
import subprocess
import sys
import time

import pytest

from parevm.jsonfile import write_json
from parevm.workloads import generate

from .conftest import FIXTURES, require
from .procs import descendants, running
from .test_rpc import FakeNode


def _start(*args):
    """The command as a child whose SIGINT is Python's default whatever this process's is: a
    child inherits SIGINT ignored (the tests run as a background job of a non-interactive
    shell, say), and then ignores Ctrl-C, as it should."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "parevm", *map(str, args)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
    finally:
        signal.signal(signal.SIGINT, previous)


def _interrupt_once_busy(process, sig, depth, seconds=120):
    """Wait until the command has `depth` generations of child processes (the engine's workers
    are forked per block), then send `sig`; the exit status, stderr, and every descendant seen."""
    deadline = time.monotonic() + seconds
    seen = set()
    while time.monotonic() < deadline and process.poll() is None:
        generations = descendants(process.pid)
        seen |= generations.keys()
        if max(generations.values(), default=0) >= depth:
            break
        time.sleep(0.02)
    assert process.poll() is None, "the command ended before it could be interrupted"
    process.send_signal(sig)
    _, err = process.communicate(timeout=60)
    return process.returncode, err, seen


def _all_stopped(pids, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(map(running, pids)):
        time.sleep(0.05)
    return [pid for pid in pids if running(pid)]


@pytest.fixture(scope="module")
def big_block(tmp_path_factory):
    path = tmp_path_factory.mktemp("interrupt") / "erc20.json.gz"
    write_json(path, generate("erc20", 2000, seed=5))
    return path


@pytest.mark.parametrize("sig, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_replay_interrupted_stops_its_workers(big_block, sig, status):
    process = _start("replay", "--workers", 2, "--force-parallel", big_block, big_block)
    code, err, seen = _interrupt_once_busy(process, sig, depth=1)
    assert code == status, err
    assert err.strip().splitlines() == [
        f"parevm: interrupted by {sig.name}; workers stopped, no output left half-written"
    ]
    assert seen and not _all_stopped(seen)


def test_conformance_pool_and_its_engines_stop_on_sigterm():
    folder = require(FIXTURES / "eest" / "cancun")
    process = _start("conformance", "--jobs", 2, "--force-parallel", "--workers", 2, folder)
    code, err, seen = _interrupt_once_busy(process, signal.SIGTERM, depth=2)
    assert code == 143 and "interrupted by SIGTERM" in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert len(seen) >= 3 and not _all_stopped(seen)


def test_bench_interrupted_writes_no_report(tmp_path):
    report = tmp_path / "bench.json"
    process = _start("bench", "--workload", "erc20", "--txs", 600, "--workers", 2, "--repeat", 3,
                     "--json", report)
    code, err, seen = _interrupt_once_busy(process, signal.SIGINT, depth=1)
    assert code == 130 and "interrupted by SIGINT" in err, err
    assert list(tmp_path.iterdir()) == [] and not _all_stopped(seen)


def test_fetch_interrupted_while_waiting_for_the_node_writes_nothing(tmp_path):
    node = FakeNode(lambda request: None)  # never answers
    try:
        process = _start("fetch", "--rpc", node.url, "--rpc-timeout", 60, 5, "-o", tmp_path)
        deadline = time.monotonic() + 30
        while not node.requests and time.monotonic() < deadline:
            time.sleep(0.02)
        assert node.requests, "the command never asked the node"
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        node.close()
    assert process.returncode == 130, err
    assert err.strip().splitlines() == [
        "parevm: interrupted by SIGINT; workers stopped, no output left half-written"
    ]
    assert list(tmp_path.iterdir()) == []


def test_a_worker_dies_with_its_parent():
    """Should the parent be killed outright (no chance to clean up), the kernel kills its
    workers (PR_SET_PDEATHSIG): here a 'worker' that would otherwise sleep for a minute."""
    from parevm.children import bind_to

    reader, writer = os.pipe()
    parent = os.fork()
    if parent == 0:
        try:
            itself = os.getpid()  # before the fork: the worker may run only once it is killed
            worker = os.fork()
            if worker == 0:
                bind_to(itself)
                time.sleep(60)
                os._exit(0)
            os.write(writer, worker.to_bytes(4, "big"))
            time.sleep(60)
        finally:
            os._exit(0)
    worker = int.from_bytes(os.read(reader, 4), "big")
    assert running(worker)
    os.kill(parent, signal.SIGKILL)
    os.waitpid(parent, 0)
    assert not _all_stopped([worker], seconds=5)


def test_a_child_keeps_its_collector_off_what_it_inherited():
    """A forked child's garbage collector never walks the parent's objects (walking them would
    copy every page of the parent's heap that holds one)."""
    import gc

    from parevm.children import fork_bound

    inherited = [[] for _ in range(1000)]
    pid = fork_bound(lambda: os._exit(0 if gc.get_freeze_count() >= len(inherited) else 3))
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


_FREED_THEN_RELEASED = """
from parevm.children import release_free_heap

def anon_kib():
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("RssAnon"))

freed = [b"x" * 65536 for _ in range(1600)]  # 100 MiB from the C heap (malloc), every page written
kept = bytes(65536)  # above them: freeing them leaves a hole, not a heap top to shrink
del freed
before = anon_kib()
release_free_heap()
print(before - anon_kib())
"""


def test_the_free_heap_goes_back_to_the_kernel_before_a_fork():
    """What a block freed stays mapped in the C heap, and fork copies a page-table entry for
    every mapped page: release_free_heap hands the free ones back first (glibc's malloc_trim)."""
    from parevm import children

    if children._malloc_trim is None:
        pytest.skip("no glibc malloc_trim here: nothing is released")
    released = subprocess.run([sys.executable, "-c", _FREED_THEN_RELEASED], capture_output=True, text=True, check=True)
    assert int(released.stdout) > 80 * 1024  # KiB, of the 100 MiB freed


def test_a_signal_while_forking_is_not_lost(monkeypatch):
    """SIGTERM arriving while a worker is forked (here: sent from a fork hook, which is where
    a handler's exception would be printed and dropped) stops the caller once the fork is
    done, and the child just forked is killed and reaped. The signal goes to the forking
    thread, as it does in the command line's single thread (pytest-xdist has others)."""
    import threading

    from parevm.children import fork_bound

    class Stop(Exception):
        pass

    def stop(signum, frame):
        raise Stop()

    forked, fork = [], os.fork
    monkeypatch.setattr(os, "fork", lambda: forked.append(fork()) or forked[-1])
    armed = [True]
    os.register_at_fork(
        after_in_parent=lambda: armed and armed.pop() and signal.pthread_kill(threading.get_ident(), signal.SIGTERM)
    )
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with pytest.raises(Stop):
            fork_bound(lambda: time.sleep(60))
    finally:
        signal.signal(signal.SIGTERM, previous)
        armed.clear()
    assert len(forked) == 1 and not running(forked[0])
