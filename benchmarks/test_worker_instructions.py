"""worker_instructions.py's modes still run what they count: the worker's loop over the whole
block, or the sequential phase; and its counts are read from valgrind's summary as valgrind
prints it (valgrind itself is left out: minutes, and a count asserts nothing)."""

import subprocess

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


# The summary cachegrind prints on stderr with --cache-sim=yes (valgrind 3.19, abridged).
_SUMMARY = """\
==2877== I   refs:      6,070,821,679
==2877== I1  misses:       62,647,716
==2877== LLi misses:        2,744,372
==2877== D1  misses:       46,185,577  (   41,484,883 rd   +   4,700,694 wr)
==2877== LLd misses:       14,451,621  (   12,858,584 rd   +   1,597,037 wr)
==2877== LL misses:        17,195,993  (   15,602,956 rd   +   1,597,037 wr)
"""


@pytest.mark.parametrize("cache", [False, True])
def test_counts_read_from_valgrinds_summary(monkeypatch, cache):
    commands, environments = [], []

    def run(command, **kwargs):
        commands.append(command)
        environments.append(kwargs["env"])
        return subprocess.CompletedProcess(command, 0, "", _SUMMARY)

    monkeypatch.setattr(subprocess, "run", run)
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)
    counts = worker_instructions._counts("block.json", "worker", 3, cache)
    assert counts["instructions"] == 6_070_821_679
    assert environments[0]["PYTHONHASHSEED"] == "0"  # counts that repeat exactly
    if cache:
        assert "--LL=524288,8,64" in commands[0]
        assert counts["L2 misses, code"] == 2_744_372
        assert counts["D1 misses"] == 46_185_577  # the total, not the reads alone
        assert counts["L2 misses, data"] == 14_451_621
        assert len(counts) == 5
    else:
        assert "--cache-sim=no" in commands[0]
        assert list(counts) == ["instructions"]
