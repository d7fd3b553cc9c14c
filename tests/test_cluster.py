"""`--cluster`: replay, conformance and bench as tasks on a Dask cluster give a local run's
results, each block exactly once in the order given, also when a Dask worker is killed
mid-run; bad cluster input is one line and exit status 2."""

import json
import os
import signal
import subprocess
import sys
import time

import dask
import pytest
from distributed import Client, LocalCluster  # before any dask.config.set: it adds its defaults

from parevm.cli import main
from parevm.cluster import local_cluster
from parevm.jsonfile import read_json, write_json

from .conftest import FIXTURES, MAINNET, require
from .node import Anvil, build_history, find_anvil
from .procs import descendants, running
from .test_cli import parevm
from .test_node import assert_node_values

# Small blocks, some parallel, one that falls back (3 transactions), in no sorted order.
BLOCKS = ["3356896", "2462997", "6196166", "1796867", "9068998", "2641321"]
FIXTURE_FILES = [
    "eest/frontier/examples/test_block_intermediate_state.json.gz",
    "eest/homestead/coverage/test_coverage.json.gz",
    "ethereum-tests/InvalidBlocks/bc4895-withdrawals/amountIs0.json.gz",
    "ethereum-tests/InvalidBlocks/bc4895-withdrawals/twoIdenticalIndex.json.gz",
]
TIMING = ("seconds", "phases")  # differ from run to run; so do the engine's counts, below


def _records(stdout: str) -> tuple[list[dict], dict | None]:
    """The JSON lines of a run without their timings, and the cluster's throughput line."""
    records, throughput = [], None
    for line in stdout.splitlines():
        record = json.loads(line)
        if "throughput" in record:
            throughput = record["throughput"]
            continue
        for name in TIMING:
            record.pop(name, None)
        if "stats" in record:
            record["stats"] = {k: record["stats"][k] for k in ("parallel", "fallback", "workers", "retries")}
        records.append(record)
    return records, throughput


@pytest.fixture(scope="module")
def block_files() -> list[str]:
    require(MAINNET)
    return [str(MAINNET / f"{number}.json.gz") for number in BLOCKS]


@pytest.fixture(scope="module")
def local_replay(block_files) -> subprocess.CompletedProcess:
    return parevm("replay", "--json", "--workers", "2", *block_files)


@pytest.fixture(scope="module")
def scheduler():
    """The address of a cluster for the tests that give one."""
    with local_cluster(2) as cluster:
        yield cluster.scheduler_address


def test_replay_on_a_local_cluster_is_the_local_run(block_files, local_replay):
    done = parevm("replay", "--json", "--workers", "2", "--cluster", "local:2", *block_files)
    assert (done.returncode, local_replay.returncode) == (0, 0), done.stderr
    records, throughput = _records(done.stdout)
    assert records == _records(local_replay.stdout)[0]
    assert [r["block"] for r in records] == [int(n) for n in BLOCKS]
    assert records[0]["stats"]["parallel"] is True  # the engine forked its workers in a Dask worker
    assert throughput["blocks"] == len(BLOCKS) and len(throughput["workers"]) == 2
    assert sum(w["blocks"] for w in throughput["workers"]) == len(BLOCKS)
    [host] = throughput["hosts"]  # both workers run here
    assert (host["workers"], host["blocks"], host["transactions"]) == (2, len(BLOCKS), throughput["transactions"])
    assert throughput["transactions"] == sum(r["txs"] for r in records)


def test_replay_table_on_a_cluster_address(block_files, scheduler, tmp_path):
    data = read_json(require(MAINNET / "1150000.json.gz"))
    data["block"]["gasUsed"] = hex(int(data["block"]["gasUsed"], 16) + 1)
    del data["block"]["hash"]
    mismatch = tmp_path / "mismatch.json.gz"
    write_json(mismatch, data)
    done = parevm("replay", "--workers", "2", "--cluster", scheduler, *block_files, str(mismatch))
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    rows = lines[2:3 + len(BLOCKS)]
    assert [row.split()[0] for row in rows] == [*BLOCKS, "1150000"]  # in the order given, each once
    assert all(row.split()[-4:-2] == ["ok", "ok"] for row in rows[:-1])
    assert "MISMATCH block 1150000 gas_used" in done.stdout
    report = lines[next(i for i, line in enumerate(lines) if line.startswith("cluster ")):]
    assert report[0].startswith(f"cluster {scheduler}: {len(rows)} blocks")
    assert "blocks/s" in report[0] and "tx/s" in report[0]
    assert report[1].split() == ["host", "workers", "tasks", "blocks", "txs", "busy", "s", "blocks/s", "tx/s"]
    assert int(report[3].split()[3]) == len(rows)  # the one host
    assert report[5].split() == ["worker", "host", "tasks", "blocks", "txs", "busy", "s", "blocks/s", "tx/s"]
    assert sum(int(row.split()[3]) for row in report[7:]) == len(rows)


def test_conformance_on_a_cluster_is_the_local_run(scheduler):
    files = [str(require(FIXTURES / name)) for name in FIXTURE_FILES]
    options = ["conformance", "--json", "--force-parallel", "--workers", "2"]
    local = parevm(*options, "--jobs", "1", *files)
    done = parevm(*options, "--cluster", scheduler, *files)
    assert done.returncode == local.returncode == 0, done.stdout + done.stderr
    records, throughput = _records(done.stdout)
    assert records == _records(local.stdout)[0]  # both in the files' order, each case once
    assert all(r["passed"] and r["parallel_blocks"] == r["blocks"] - len(r["rejections"]) for r in records)
    assert throughput["blocks"] == sum(r["blocks"] for r in records)
    assert throughput["transactions"] == sum(r["transactions"] for r in records) > 0
    assert sum(w["tasks"] for w in throughput["workers"]) == len(files)


def test_bench_corpus_on_a_cluster(scheduler, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for number in ("1150000", "930196"):
        (corpus / f"{number}.json.gz").write_bytes(require(MAINNET / f"{number}.json.gz").read_bytes())
    out = tmp_path / "bench.json"
    done = parevm("bench", "--corpus", str(corpus), "--workers", "1", "--repeat", "1",
                  "--cluster", scheduler, "--json", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(out.read_text())
    assert [(r["name"], r["mode"]) for r in report["rows"]] == [
        (name, mode) for name in ("930196", "1150000", "TOTAL") for mode in ("py-evm", "sequential", "parallel")
    ]
    assert all(r["checks_ok"] for r in report["rows"])
    assert report["throughput"]["blocks"] == 2
    assert f"cluster {scheduler}: 2 blocks" in done.stdout


def _kill_mid_task(files: list[str], allowed_failures: int = 3):
    """Replay `files` on a fresh cluster and SIGKILL the first Dask worker caught with the
    engine's workers forked (mid-task); the run's exit status, output, and those workers."""
    with dask.config.set({"distributed.scheduler.allowed-failures": allowed_failures}):
        cluster = local_cluster(2)
    with cluster, Client(cluster) as client:
        pids = client.run(os.getpid)
        process = subprocess.Popen(
            [sys.executable, "-m", "parevm", "replay", "--json", "--workers", "2",
             "--cluster", cluster.scheduler_address, *files],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        engine_workers: dict[int, int] = {}
        deadline = time.monotonic() + 120
        while not engine_workers and time.monotonic() < deadline and process.poll() is None:
            for pid in pids.values():
                engine_workers = descendants(pid)
                if engine_workers:
                    os.kill(pid, signal.SIGKILL)
                    break
            time.sleep(0.01)
        out, err = process.communicate(timeout=300)
    assert engine_workers, "no Dask worker was caught running a block"
    return process.returncode, out, err, engine_workers


def test_a_killed_dask_worker_loses_no_block(block_files, local_replay):
    """Dask runs the lost worker's tasks again elsewhere: every block comes back once, exact,
    and the engine's workers died with their Dask worker."""
    status, out, err, engine_workers = _kill_mid_task(block_files)
    assert status == 0, err
    records, throughput = _records(out)
    assert records == _records(local_replay.stdout)[0]
    assert throughput["blocks"] == len(BLOCKS)
    assert not [pid for pid in engine_workers if running(pid)]


def test_workers_lost_too_often_end_the_run_with_one_line():
    # Mainnet block 16257471: its transaction of 1.3 s keeps the engine's workers there long
    # enough to be caught (a block of 80 ms slipped past the poll in a loaded CI run).
    status, out, err, _ = _kill_mid_task([str(require(MAINNET / "16257471.json.gz"))], allowed_failures=0)
    assert status == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("parevm: error: task 1 of 1: every Dask worker that ran it died (1 in all")
    assert lines[0].endswith("distributed.scheduler.allowed-failures is 0)")


@pytest.mark.parametrize(
    "spec,message",
    [
        ("local:0", "expected local or local:N with N from 1 to"),
        ("local:two", "(4 per core), got 'local:two'"),
        ("local:8786", "got 'local:8786'"),
        ("tcp://127.0.0.1:1", "cannot reach a Dask scheduler at tcp://127.0.0.1:1"),
        ("nowhere", "cannot reach a Dask scheduler at nowhere: missing port number"),
    ],
)
def test_bad_cluster_exits_2_with_one_line(generated_block_file, spec, message, capsys):
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        status = main(["replay", "--cluster", spec, str(generated_block_file)])
    out, err = capsys.readouterr()
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("parevm: error: --cluster: ") and message in lines[0]
    assert out == ""


def test_workers_of_several_threads_are_refused(generated_block_file, capsys):
    """Two blocks at once in one process would share its engine."""
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        status = main(["replay", "--cluster", cluster.scheduler_address, str(generated_block_file)])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err.strip().endswith("runs 2 threads: parevm needs one per worker process (start workers with --nthreads 1)")
    assert len(err.strip().splitlines()) == 1


def test_bad_file_on_a_cluster_exits_2_with_one_line(scheduler, tmp_path, capsys):
    missing = tmp_path / "missing.json.gz"
    assert main(["replay", "--cluster", scheduler, str(missing)]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"parevm: error: {missing}: no such file"]


@pytest.mark.parametrize("command", ["replay", "conformance", "bench"])
def test_help_explains_the_option(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--cluster ADDRESS|local[:N]" in out and "Dask cluster" in out and "docs/cluster.md" in out


def test_replay_from_a_node_on_a_cluster(scheduler):
    """With --rpc the numbers are resolved here and each task fetches its block itself."""
    binary = find_anvil()
    if binary is None:
        pytest.skip("anvil not found: `make anvil` installs it with npm, or set PAREVM_ANVIL")
    with Anvil(binary) as anvil:
        history = build_history(anvil.client, blocks=2, per_block=20)
        first, last = history.blocks[0], history.blocks[-1]
        done = parevm("replay", "--json", "--rpc", anvil.url, f"{first}..{last}", "--cluster", scheduler)
        assert done.returncode == 0, done.stderr
        records, throughput = _records(done.stdout)
        assert_node_values(anvil, records, history.blocks)
    assert throughput["blocks"] == len(history.blocks)
