"""The dependency graph, critical path, bound and ideal schedule on graphs worked out by hand."""

import itertools

from hypothesis import given
from hypothesis import strategies as st

from parevm.depgraph import bound, critical_path, dependency_graph, scheduled_speedup


def test_last_writer_only():
    # tx0 and tx1 write a; tx2 reads a: it depends on tx1 only, not on tx0.
    graph = dependency_graph(reads=[[], [], ["a"]], writes=[["a"], ["a"], []])
    assert graph.dependencies == (frozenset(), frozenset(), frozenset({1}))
    assert graph.carried == {"a": [2]}
    assert (graph.edges, graph.dependent) == (1, 1)


def test_own_write_and_later_writes_are_no_dependency():
    # tx0 reads a before anyone wrote it; tx1 writes a after tx0 read it (no edge backwards).
    graph = dependency_graph(reads=[["a"], [], ["b"]], writes=[["a"], ["a"], []])
    assert graph.dependencies == (frozenset(), frozenset(), frozenset())


def test_credits_commute_but_a_read_sees_them_all():
    # Three credits to c, then a real read of c: it depends on every credit since the last
    # real write (tx1 writes c for real, so tx0's credit is behind it).
    graph = dependency_graph(
        reads=[[], [], [], [], ["c"]],
        writes=[[], ["c"], [], [], []],
        credits=[["c"], [], ["c"], ["c"], []],
    )
    assert graph.dependencies[:4] == (frozenset(),) * 4
    assert graph.dependencies[4] == frozenset({1, 2, 3})


def test_critical_path_and_bound():
    # a diamond 0 -> {1, 2} -> 3, plus an independent tx 4
    graph = dependency_graph(
        reads=[[], ["x"], ["x"], ["y", "z"], []],
        writes=[["x"], ["y"], ["z"], [], []],
    )
    weights = [1, 5, 2, 1, 3]
    path = critical_path(graph, weights)
    assert path.txs == (0, 1, 3)
    assert path.weight == 7
    assert bound(weights, path) == 12 / 7
    # two workers: 0 and 4 start at 0; 1 and 2 at 1 (on the worker 0 frees) and 3 (4 ends);
    # 2 ends at 5, 1 at 6, 3 runs 6..7
    assert scheduled_speedup(graph, weights, 2) == 12 / 7
    # one worker runs everything in turn
    assert scheduled_speedup(graph, weights, 1) == 1.0


def test_chain_and_independent_extremes():
    chain = dependency_graph(reads=[["k"]] * 6, writes=[["k"]] * 6)
    assert chain.dependencies[1:] == tuple(frozenset({i}) for i in range(5))
    assert bound([2] * 6, critical_path(chain, [2] * 6)) == 1.0
    assert scheduled_speedup(chain, [2] * 6, 4) == 1.0
    free = dependency_graph(reads=[["r"]] * 6, writes=[[f"w{i}"] for i in range(6)])
    assert free.edges == 0
    assert bound([2] * 6, critical_path(free, [2] * 6)) == 6.0
    assert scheduled_speedup(free, [2] * 6, 4) == 12 / 4  # 6 txs in two rounds of 4 + 2


def test_empty_block():
    graph = dependency_graph([], [])
    assert critical_path(graph, []).txs == ()
    assert bound([], critical_path(graph, [])) == 1.0
    assert scheduled_speedup(graph, [], 2) == 1.0


sets = st.lists(st.sets(st.sampled_from("abcdef"), max_size=3), min_size=1, max_size=12)


@given(reads=sets, writes=sets, credits=sets, weights=st.lists(st.integers(1, 9), min_size=12, max_size=12))
def test_limits_agree(reads, writes, credits, weights):
    """The schedule never beats the bound or the worker count, and with unlimited workers
    it reaches the bound exactly; the critical path is a chain of real dependencies; a
    transaction depends only on earlier ones that wrote or credited a key it read."""
    n = min(len(reads), len(writes), len(credits))
    graph = dependency_graph(reads[:n], writes[:n], credits[:n])
    for tx, depends in enumerate(graph.dependencies):
        for earlier in depends:
            assert earlier < tx and reads[tx] & (writes[earlier] | credits[earlier])
    weights = weights[:n]
    path = critical_path(graph, weights)
    for earlier, later in itertools.pairwise(path.txs):
        assert earlier in graph.dependencies[later]
    assert path.weight == sum(weights[tx] for tx in path.txs)
    limit = bound(weights, path)
    for workers in (1, 2, 3):
        assert scheduled_speedup(graph, weights, workers) <= min(limit, workers) + 1e-9
    assert abs(scheduled_speedup(graph, weights, n) - limit) < 1e-9
