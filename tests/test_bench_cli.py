"""`parevm bench`, `parevm analyze` and `parevm generate` as a user meets them."""

import functools
import json

import pytest

from parevm import Engine, load_block_file
from parevm.bench import Target, bench_target
from parevm.copies import slowest_copy_seconds
from parevm.errors import ParevmError
from parevm.jsonfile import read_json
from parevm.stats import WORKER_TIMES
from parevm.workloads import generate_block

from .conftest import MAINNET, require
from .test_cli import parevm

ROW_FIELDS = {
    "name", "mode", "workers", "txs", "gas", "seconds", "speedup_vs_sequential", "speedup_vs_pyevm",
    "reexecutions_per_tx", "bound", "checks_ok",
}


@pytest.mark.parametrize("command", [["bench"], ["analyze"], ["generate"]])
def test_help(command):
    done = parevm(*command, "--help")
    assert done.returncode == 0
    assert "usage: parevm" in done.stdout
    if command != ["analyze"]:
        assert "erc20-hot" in done.stdout and "amm" in done.stdout


def test_bench_workloads_writes_json_markdown_and_plot(tmp_path):
    out = {name: tmp_path / f"bench.{name}" for name in ("json", "md", "png")}
    done = parevm(
        "bench", "--workload", "transfers-hot:2", "--workload", "counter", "--txs", "10",
        "--workers", "1,2", "--repeat", "2",
        "--json", str(out["json"]), "--markdown", str(out["md"]), "--plot", str(out["png"]),
    )
    assert done.returncode == 0, done.stderr
    report = read_json(out["json"])
    assert {"cpus", "python", "py-evm", "date", "keccak"} <= set(report["machine"])
    rows = report["rows"]
    assert [(r["name"], r["mode"], r["workers"]) for r in rows] == [
        (name, mode, workers)
        for name in ("transfers-hot:2", "counter")
        for mode, workers in (("py-evm", 1), ("sequential", 1), ("parallel", 1), ("parallel", 2))
    ]
    for row in rows:
        assert ROW_FIELDS <= set(row)
        assert row["checks_ok"] is True and row["txs"] == 10 and len(row["runs"]) == 2
        assert row["seconds"] == pytest.approx(sum(row["runs"]) / 2, abs=1e-5)  # the median of two
        if row["mode"] == "parallel":  # where the workers' time went, within the time they had
            assert set(row["worker_seconds"]) == set(WORKER_TIMES)
            assert 0 < sum(row["worker_seconds"].values()) <= row["workers"] * max(row["runs"])
        else:
            assert row["worker_seconds"] == {}
    sequential = {r["name"]: r["seconds"] for r in rows if r["mode"] == "sequential"}
    for row in rows:
        assert row["speedup_vs_sequential"] == pytest.approx(sequential[row["name"]] / row["seconds"], rel=1e-3)
    for row in rows:  # two copies of the sequential replay at once: the ceiling of 2 workers
        shared = row["mode"] == "parallel" and row["workers"] == 2
        assert (row["copies_seconds"] is not None) == shared == (row["machine_ceiling"] is not None)
        if shared:
            assert row["machine_ceiling"] == pytest.approx(2 * sequential[row["name"]] / row["copies_seconds"], rel=1e-3)
    counter = [r for r in rows if r["name"] == "counter"]
    assert all(r["bound"] == pytest.approx(1.0, abs=1e-3) for r in counter)  # one storage slot: a chain
    assert all(r["gas"] == counter[0]["gas"] > 10 * 21_000 for r in counter)
    table = done.stdout.splitlines()
    assert table[0].split()[:3] == ["name", "mode", "workers"] and len(table) >= 2 + len(rows)
    assert out["md"].read_text().count("\n| ") == len(rows) + 2  # header, rule, rows
    assert out["png"].read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_bench_corpus_has_a_total_and_goes_on_past_a_bad_file(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for number in (1150000, 46147):  # two small blocks, named by number as in the corpus
        source = require(MAINNET / f"{number}.json.gz")
        (corpus / source.name).symlink_to(source)
    (corpus / "broken.json").write_text("{}")
    done = parevm("bench", "--corpus", str(corpus), "--workers", "2", "--repeat", "1", "--json", str(tmp_path / "b.json"))
    assert done.returncode == 2  # the broken file is bad input; the others are measured
    assert done.stderr.count("parevm: error: broken: ") == 1
    rows = read_json(tmp_path / "b.json")["rows"]
    assert [r["name"] for r in rows] == ["46147"] * 3 + ["1150000"] * 3 + ["TOTAL"] * 3
    blocks = [r for r in rows if r["name"] != "TOTAL" and r["mode"] == "sequential"]
    for total in (r for r in rows if r["name"] == "TOTAL"):
        same = [r for r in rows if r["name"] != "TOTAL" and r["mode"] == total["mode"]]
        assert total["txs"] == sum(r["txs"] for r in same)
        assert total["seconds"] == pytest.approx(sum(r["seconds"] for r in same), rel=1e-3)
        assert total["checks_ok"] is True
        assert set(total["worker_seconds"]) == (set(WORKER_TIMES) if total["mode"] == "parallel" else set())
        for kind in total["worker_seconds"]:
            assert total["worker_seconds"][kind] == pytest.approx(sum(r["worker_seconds"].get(kind, 0) for r in same), abs=1e-5)
        work = sum(r["work_seconds"] for r in blocks)
        assert total["bound"] == pytest.approx(work / sum(r["critical_path_seconds"] for r in blocks), rel=1e-3)
    for row in rows:
        assert 1.0 <= row["scheduled_at_workers"] <= min(row["bound"], row["workers"]) + 1e-3


def test_every_timed_run_starts_from_the_transactions_as_loaded(monkeypatch):
    """py-evm caches on the transaction objects what a run computes (the recovered sender; a
    typed payload's type byte), and the bench replays one block object again and again:
    without dropping them before each run, every run after the untimed analysis would skip
    work that a replay of the loaded block does."""
    attributes_at_start = []
    execute = Engine.execute

    def recording(engine, block):
        attributes_at_start.append([(set(vars(tx)), set(vars(tx._inner))) for tx in block.transactions])
        return execute(engine, block)

    monkeypatch.setattr(Engine, "execute", recording)
    target = Target("transfers", "workload", functools.partial(generate_block, "transfers", 12))
    rows, error = bench_target([1, 2], 2, target)
    assert error is None and all(row.checks_ok for row in rows)
    assert len(attributes_at_start) == 2 * 4 + 1  # two rounds of four modes, and the analysis first
    loaded = attributes_at_start[0]
    assert all("sender" not in outer and "_type_byte" not in inner for outer, inner in loaded)
    assert all(at_start == loaded for at_start in attributes_at_start)


def test_a_failed_copy_of_the_sequential_replay_is_an_error():
    """The ceiling's copies run in forked processes: one that fails must not pass for a time."""
    engine = Engine(mode="sequential")
    block = load_block_file(require(MAINNET / "46147.json.gz"))
    assert slowest_copy_seconds(engine, block, 2) > 0
    engine.close()  # a closed engine refuses to run the block, in each copy
    with pytest.raises(ParevmError, match="2 of 2 concurrent copies"):
        slowest_copy_seconds(engine, block, 2)


@pytest.mark.parametrize(
    "args,message",
    [
        (["--workload", "nope"], "--workload: unknown workload 'nope'"),
        (["--workload", "amm:0"], "--workload: K in 'amm:0' must be a positive integer"),
        (["--corpus", "/nonexistent"], "--corpus: /nonexistent is not a directory"),
        (["--plot", "out.txt"], "--plot: expected a .png file name"),
        (["--json", "/nonexistent/dir/x.json"], "--json: directory /nonexistent/dir does not exist"),
    ],
)
def test_bench_bad_input_exits_2_with_one_line(args, message):
    done = parevm("bench", "--txs", "8", *args)
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_bench_bad_worker_list():
    done = parevm("bench", "--workers", "1,zero")
    assert done.returncode == 2 and "worker counts" in done.stderr


def test_analyze_table_and_json(tmp_path):
    path = tmp_path / "counter.json"
    assert parevm("generate", "--workload", "counter", "--txs", "9", "-o", str(path)).returncode == 0
    done = parevm("analyze", "--workers", "2", str(path))
    assert done.returncode == 0, done.stderr
    header, _, row = done.stdout.splitlines()[:3]
    assert header.split()[:4] == ["block", "txs", "dependent", "edges"]
    assert row.split()[:4] == ["1", "9", "8", "8"]
    assert "contract (8 txs)" in row and row.split()[-1] == "ok"
    record = json.loads(parevm("analyze", "--json", str(path)).stdout)
    assert record["dependencies"] == [[]] + [[i] for i in range(8)]
    assert record["critical_path_gas"]["transactions"] == list(range(9))


def test_analyze_reports_the_strict_model_too(tmp_path):
    """One wallet's payouts: independent in the engine's model, a chain if every account
    access were a dependency (the table's strict columns and the JSON's "strict")."""
    path = tmp_path / "payouts.json"
    assert parevm("generate", "--workload", "payouts", "--txs", "9", "-o", str(path)).returncode == 0
    done = parevm("analyze", "--workers", "2", str(path))
    header, _, row = done.stdout.splitlines()[:3]
    cells = dict(zip(["block", "txs", "dependent", "edges"], row.split()))
    assert cells["dependent"] == "0" and cells["edges"] == "0"
    assert "strict bound" in header
    record = json.loads(parevm("analyze", "--json", str(path)).stdout)
    assert record["dependent_transactions"] == 0
    assert record["strict"]["dependent_transactions"] == 8 and record["strict"]["edges"] == 8
    assert record["strict"]["bound"] == pytest.approx(1.0)


def test_generate_every_workload_spec(tmp_path):
    path = tmp_path / "amm.json.gz"
    done = parevm("generate", "--workload", "amm:2", "--txs", "8", "-o", str(path))
    assert done.returncode == 0, done.stderr
    replayed = parevm("replay", "--json", str(path))
    assert json.loads(replayed.stdout)["checks"]["state_root"] is True
