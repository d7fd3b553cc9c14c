"""Shared test setup: where the real data lives (PAREVM_DATA, default ../shared/data)."""

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Examples per property test: a quick default; HYPOTHESIS_PROFILE=deep for long searches.
settings.register_profile("default", max_examples=25)
settings.register_profile("deep", max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("PAREVM_DATA", ROOT.parent / "shared" / "data"))
MAINNET = DATA / "mainnet"
FIXTURES = DATA / "fixtures"


def mainnet_files() -> list[Path]:
    return sorted(MAINNET.glob("*.json.gz"), key=lambda p: int(p.name.split(".")[0]))


def require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"test data not found at {path} (set PAREVM_DATA)")
    return path


@pytest.fixture(scope="session")
def generated_block_file(tmp_path_factory) -> Path:
    """A 40-transfer block mined by py-evm's own chain, written as a block file."""
    from parevm.jsonfile import write_json
    from parevm.workloads import transfers

    path = tmp_path_factory.mktemp("blocks") / "transfers.json.gz"
    write_json(path, transfers(40, seed=7))
    return path
