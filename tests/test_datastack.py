"""run_on_own_chunk is a plain call as far as its caller can tell: the value, the exception, and
recursion deeper than its chunk all come through."""

import sys

import pytest

from parevm.datastack import run_on_own_chunk


def test_returns_the_value_and_raises_the_error():
    assert run_on_own_chunk(lambda: 42) == 42
    with pytest.raises(ZeroDivisionError):
        run_on_own_chunk(lambda: 1 // 0)


def test_calls_deeper_than_the_chunk_still_run():
    """About 3,000 frames need more than the chunk's free 500 KiB: CPython opens more chunks."""

    def depth(n: int) -> int:
        return 0 if n == 0 else 1 + depth(n - 1)

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(10_000)
    try:
        assert run_on_own_chunk(lambda: depth(5_000)) == 5_000
        assert run_on_own_chunk(lambda: run_on_own_chunk(lambda: depth(100))) == 100  # nested
    finally:
        sys.setrecursionlimit(limit)
