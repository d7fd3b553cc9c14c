"""Importing parevm selects the fast crypto backends and loads py-evm's KZG setup only once."""

from eth.precompiles import point_evaluation
from eth_hash.auto import keccak

import parevm  # noqa: F401  (the import is what selects them)
from parevm.crypto import backends_in_use, select_fast_backends


def test_fast_backends_are_selected():
    assert backends_in_use()["keccak"] == "eth_hash.backends.pysha3"
    assert "CoinCurve" in backends_in_use()["ecdsa"]
    assert keccak(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"


def test_kzg_setup_loaded_once():
    path = point_evaluation.TRUSTED_SETUP_PATH
    first = point_evaluation.load_trusted_setup(path, 0)
    assert point_evaluation.load_trusted_setup(path, 0) is first
    select_fast_backends()  # idempotent: still the same cached loader
    assert point_evaluation.load_trusted_setup(path, 0) is first


def test_kzg_setup_loaded_before_the_engine_forks(monkeypatch):
    from eth.vm.forks.cancun.computation import CancunComputation
    from eth.vm.forks.shanghai.computation import ShanghaiComputation

    from parevm.crypto import load_kzg_setup

    loads = []
    monkeypatch.setattr(point_evaluation, "load_trusted_setup", lambda *args: loads.append(args))
    load_kzg_setup(ShanghaiComputation)
    assert loads == []  # no point-evaluation precompile before Cancun
    load_kzg_setup(CancunComputation)
    assert loads == [(point_evaluation.TRUSTED_SETUP_PATH, 0)]
