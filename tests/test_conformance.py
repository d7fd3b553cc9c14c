"""The consensus suite through parevm's executor: every fixture file, every test in it."""

import pytest

from parevm.conformance import run_case
from parevm.fixtures import find_fixture_files, load_fixture_file
from parevm.sequential import PyEvmExecutor, SequentialExecutor

from .conftest import FIXTURES, require


def _files():
    if not FIXTURES.exists():
        return []
    return find_fixture_files([FIXTURES])


@pytest.mark.slow
@pytest.mark.parametrize(
    "path", _files(), ids=lambda p: str(p.relative_to(FIXTURES)).removesuffix(".json.gz")
)
def test_fixture_file(path):
    executor = SequentialExecutor()
    failures = [
        f"{o.name}: {o.message}"
        for o in (run_case(case, executor) for case in load_fixture_file(path))
        if not o.passed
    ]
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
