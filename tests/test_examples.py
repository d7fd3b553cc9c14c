"""The scripts in examples/ run as a user would run them, on small inputs, and say the truth."""

import json
import subprocess
import sys

from parevm.jsonfile import write_json
from parevm.workloads import generate

from .conftest import ROOT, mainnet_files


def _run(script, *args):
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script), *map(str, args)],
        capture_output=True, text=True, timeout=300,
    )
    assert not done.stderr, done.stderr
    return done.returncode, done.stdout


def test_replay_file_checks_blocks_and_reports_a_mismatch(tmp_path):
    good = tmp_path / "erc20.json"
    block = generate("erc20", 30, seed=3)
    write_json(good, block)
    mainnet = mainnet_files()[:1]
    status, out = _run("replay_file.py", good, *mainnet, "--workers", 2)
    assert status == 0, out
    assert out.count("gas_used ok, logs_bloom ok") == 1 + len(mainnet) and "MISMATCH" not in out
    assert "30 txs" in out and "receipts_root ok, state_root ok" in out

    block["block"]["gasUsed"] = hex(int(block["block"]["gasUsed"], 16) + 1)
    del block["block"]["hash"]  # which the loader would check against the edited header
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(block))
    status, out = _run("replay_file.py", bad)
    assert status == 1 and "gas_used MISMATCH" in out


def test_benchmark_prints_a_ratio_of_identical_results():
    status, out = _run("benchmark.py", "--workload", "transfers", "--txs", 60, "--repeat", 1)
    assert status == 0, out
    assert "speed-up" in out and "same result: yes" in out


def test_embed_chain_mines_through_the_engine_and_pyevm_agrees():
    status, out = _run("embed_chain.py", "--txs", 40)
    assert status == 0, out
    assert "with 40 txs through the engine" in out and "parallel True" in out
    assert "same head yes" in out
