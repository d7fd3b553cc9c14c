"""The consensus suite through the drop-in: every fixture file, every test in it, imported by a
py-evm chain configured with the parallel engine's VMs (every block forced into the engine) and
by the same chain on py-evm's own VMs; a sample of the files through the sequential reference,
and another through one worker whose parent commits beside it."""

import pytest

from parevm import Engine, find_fixture_files, load_fixture_file, run_fixture

from .conftest import FIXTURES, require

# Where py-evm 0.12.1b1's own VMs fail consensus tests, and why: it checks only code and nonce
# for a creation's collision (EIP-7610), and ignores a failing withdrawal or consolidation
# request system call (EIP-7002, EIP-7251). parevm's VMs apply both rules (statedb.py, vm.py).
PYEVM_MISSES = ("eip7610_create_collision", "eip7002_el_triggerable_withdrawals", "eip7251_consolidations")


def _files():
    if not FIXTURES.exists():
        return []
    return find_fixture_files([FIXTURES])


def _ids(path):
    return str(path.relative_to(FIXTURES)).removesuffix(".json.gz")


def _failures(outcomes):
    return [f"{o.name}: {o.message}" for o in outcomes if not o.passed]


@pytest.mark.slow
@pytest.mark.parametrize("path", _files(), ids=_ids)
def test_fixture_file_drop_in(path):
    """The fixture's head and post-state through the drop-in, every block in parallel; and the
    head, its state root and every invalid block's rejection (its error and message) equal to
    what py-evm's own VMs give, wherever these pass. A rejected block leaves the head as it was
    (run_fixture checks)."""
    cases = load_fixture_file(path)
    ours = [run_fixture(case, Engine(2, min_txs=0)) for case in cases]
    assert not _failures(ours), "\n".join(_failures(ours)[:5])
    for case, outcome in zip(cases, ours):  # every valid block ran in the engine, none fell back
        valid = sum(1 for block in case.fixture["blocks"] if not block.get("expectException"))
        assert outcome.parallel_blocks >= valid and not outcome.fallbacks, outcome.name
    theirs = [run_fixture(case, Engine(mode="py-evm")) for case in cases]
    known_miss = any(miss in str(path) for miss in PYEVM_MISSES)
    for mine, own in zip(ours, theirs):
        if own.passed:
            assert (mine.head, mine.state_root) == (own.head, own.state_root), mine.name
            # Where py-evm misses a rule it may still reject the block, for another reason.
            assert mine.rejections == own.rejections or known_miss, mine.name
        else:
            assert known_miss, f"{own.name}: {own.message}"


@pytest.mark.slow
@pytest.mark.parametrize("path", _files()[::10], ids=_ids)
def test_fixture_file_sequential_sample(path):
    """Every tenth file through the sequential reference (the CLI runs all of them)."""
    outcomes = [run_fixture(case, Engine(mode="sequential")) for case in load_fixture_file(path)]
    assert not _failures(outcomes), "\n".join(_failures(outcomes)[:5])


def test_storage_collision_is_applied_where_pyevm_misses_it():
    """EIP-7610 fixtures: parevm passes them; plain py-evm 0.12.1b1 does not."""
    path = require(FIXTURES / "eest/paris/eip7610_create_collision/test_init_collision_create_tx.json.gz")
    cases = [c for c in load_fixture_file(path) if "non-empty-balance-correct" in c.name][:2]
    assert cases
    for case in cases:
        assert run_fixture(case, Engine(mode="sequential")).passed
        assert not run_fixture(case, Engine(mode="py-evm")).passed


def test_a_block_expected_to_fail_must_fail(tmp_path):
    """Marking a valid block as invalid makes the test fail: rejection is really checked."""
    import json

    from parevm.jsonfile import read_json

    path = require(FIXTURES / "eest/frontier/examples/test_block_intermediate_state.json.gz")
    name, fixture = next(iter(read_json(path).items()))
    fixture["blocks"][0]["expectException"] = "TransactionException.INTRINSIC_GAS_TOO_LOW"
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps({name: fixture}))
    (case,) = load_fixture_file(edited)
    outcome = run_fixture(case, Engine(mode="sequential"))
    assert not outcome.passed
    assert "imported, but the fixture expects" in outcome.message


@pytest.mark.slow
@pytest.mark.parametrize("path", _files()[5::10], ids=_ids)
def test_fixture_file_one_worker_commit_beside_sample(path):
    """Every tenth file (not the sequential sample's) through one worker: the parent, with a
    core of its own, commits beside it (in the full suite's two workers on two cores, the
    parent is one of the workers and commits between its tasks)."""
    engine = Engine(1, min_txs=0)
    if engine._executor.parent_works:
        pytest.skip("a single core: no core is left for the parent to commit beside the worker")
    outcomes = [run_fixture(case, engine) for case in load_fixture_file(path)]
    assert not _failures(outcomes), "\n".join(_failures(outcomes)[:5])
