"""The command line as a user meets it: tables, JSON, exit statuses, one-line errors, help."""

import json
import subprocess
import sys

import pytest

from parevm.jsonfile import read_json, write_json

from .conftest import FIXTURES, require


def parevm(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "parevm", *args], capture_output=True, text=True, timeout=600
    )


@pytest.mark.parametrize("command", [[], ["replay"], ["conformance"]])
def test_help(command):
    done = parevm(*command, "--help")
    assert done.returncode == 0
    assert "usage: parevm" in done.stdout


@pytest.mark.parametrize(
    "options,mode",
    [(["--sequential"], "sequential"), ([], "parallel x2"), (["--workers", "1"], "parallel x1")],
)
def test_replay_table_and_exit_status(generated_block_file, options, mode):
    done = parevm("replay", *options, str(generated_block_file))
    assert done.returncode == 0, done.stderr
    header, _, row = done.stdout.splitlines()[:3]
    assert header.split() == [
        "block", "fork", "txs", "gas", "seconds", "mode", "reexec",
        "gas_used", "logs_bloom", "receipts_root", "state_root",
    ]
    assert row.split()[:4] == ["1", "Cancun", "40", str(40 * 21_000)]
    assert f" {mode} " in row
    assert row.split()[-4:] == ["ok", "ok", "ok", "ok"]


def test_small_block_fallback_is_reported(tmp_path):
    path = tmp_path / "three.json"
    assert parevm("generate", "--txs", "3", "-o", str(path)).returncode == 0
    done = parevm("replay", str(path))
    assert "fallback" in done.stdout and "1 x fewer than 8 transactions: too few to gain" in done.stdout
    forced = parevm("replay", "--force-parallel", "--json", str(path))
    assert json.loads(forced.stdout)["stats"]["parallel"] is True


def test_replay_json(generated_block_file):
    done = parevm("replay", "--json", str(generated_block_file))
    assert done.returncode == 0
    record = json.loads(done.stdout)
    assert record["mode"] == "parallel" and record["stats"]["executions"] >= 40
    assert record["block"] == 1 and record["txs"] == 40 and record["gas_used"] == 840_000
    assert record["checks"] == {"gas_used": True, "logs_bloom": True, "receipts_root": True, "state_root": True}
    assert record["seconds"] > 0


def test_mismatch_exits_1(generated_block_file, tmp_path):
    data = read_json(generated_block_file)
    data["block"]["gasUsed"] = hex(840_001)
    del data["block"]["hash"]
    bad = tmp_path / "bad.json.gz"
    write_json(bad, data)
    done = parevm("replay", str(bad))
    assert done.returncode == 1
    assert "MISMATCH" in done.stdout


@pytest.mark.parametrize(
    "content,message",
    [
        (None, "no such file"),
        ("{not json", "malformed JSON"),
        ('{"block": {"number": "0x1", "timestamp": "0x1"}, "fork": "Osaka", "preState": {}}', "unknown fork 'Osaka'"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, content, message):
    path = tmp_path / "block.json"
    if content is not None:
        path.write_text(content)
    done = parevm("replay", str(path))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and message in lines[0]
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_conformance_summary_and_json():
    folder = require(FIXTURES / "eest/frontier/examples")
    done = parevm("conformance", "--jobs", "1", "--sequential", str(folder))
    assert done.returncode == 0, done.stdout
    assert done.stdout.strip().endswith("passed, 0 failed (sequential)")
    done = parevm("conformance", "--jobs", "1", "--force-parallel", str(folder))
    assert done.returncode == 0, done.stdout
    assert "blocks: 6 in parallel, 0 sequential" in done.stdout
    done = parevm("conformance", "--json", "--jobs", "2", str(folder))
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert records and all(r["passed"] for r in records)


def test_conformance_bad_path_exits_2(tmp_path):
    done = parevm("conformance", str(tmp_path / "nowhere"))
    assert done.returncode == 2 and "no such file or folder" in done.stderr
