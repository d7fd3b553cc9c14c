"""The consensus suite: every fixture file, every test in it, through the parallel engine with
every block forced into it; a sample of the files through the sequential reference too."""

import pytest

from parevm.conformance import run_case
from parevm.fixtures import find_fixture_files, load_fixture_file
from parevm.parallel import ParallelExecutor
from parevm.sequential import PyEvmExecutor, SequentialExecutor

from .conftest import FIXTURES, require


def _files():
    if not FIXTURES.exists():
        return []
    return find_fixture_files([FIXTURES])


def _ids(path):
    return str(path.relative_to(FIXTURES)).removesuffix(".json.gz")


def _failures(path, executor):
    outcomes = [run_case(case, executor) for case in load_fixture_file(path)]
    return outcomes, [f"{o.name}: {o.message}" for o in outcomes if not o.passed]


@pytest.mark.slow
@pytest.mark.parametrize("path", _files(), ids=_ids)
def test_fixture_file_parallel(path):
    outcomes, failures = _failures(path, ParallelExecutor(workers=2, force=True))
    assert not failures, "\n".join(failures[:5])
    assert all(not o.fallbacks for o in outcomes)  # every block really ran in parallel


@pytest.mark.slow
@pytest.mark.parametrize("path", _files()[::10], ids=_ids)
def test_fixture_file_sequential_sample(path):
    """Every tenth file through the sequential reference (the CLI runs all of them)."""
    _, failures = _failures(path, SequentialExecutor())
    assert not failures, "\n".join(failures[:5])


def test_storage_collision_is_applied_where_pyevm_misses_it():
    """EIP-7610 fixtures: parevm passes them; plain py-evm 0.12.1b1 does not."""
    path = require(FIXTURES / "eest/paris/eip7610_create_collision/test_init_collision_create_tx.json.gz")
    cases = [c for c in load_fixture_file(path) if "non-empty-balance-correct" in c.name][:2]
    assert cases
    for case in cases:
        assert run_case(case, SequentialExecutor()).passed
        assert not run_case(case, PyEvmExecutor()).passed


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
    outcome = run_case(case, SequentialExecutor())
    assert not outcome.passed
    assert "imported, but the fixture expects" in outcome.message
