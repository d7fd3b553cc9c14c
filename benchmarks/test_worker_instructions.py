"""worker_instructions.py's modes still run what they count: the worker's loop over the whole
block, or the sequential phase (valgrind itself is left out: minutes, and a count asserts
nothing)."""

import pytest

import worker_instructions
from parevm import worker
from parevm.jsonfile import write_json
from parevm.workloads import generate


@pytest.mark.parametrize("mode, executed", [("sequential", 0), ("worker", 16)])
def test_each_mode_runs_its_phase(tmp_path, monkeypatch, mode, executed):
    path = tmp_path / "block.json"
    write_json(path, generate("erc20", 16, seed=1))
    sent = set()

    def flush(self):
        sent.update(tx for tx, _, _ in self.pending)
        self.pending = []

    monkeypatch.setattr(worker.Worker, "flush", flush)
    worker_instructions._run_mode(str(path), mode, 2)
    assert len(sent) == executed
