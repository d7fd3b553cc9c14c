"""Consensus-test fixtures (blockchain-test JSON): finding files and loading their cases."""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth.tools._utils.normalization import normalize_blockchain_fixtures
from eth.tools.fixtures.helpers import chain_vm_configuration

from .errors import InputError
from .jsonfile import read_json

_REQUIRED = ("network", "genesisBlockHeader", "pre", "blocks")


@dataclass(frozen=True)
class FixtureCase:
    """One named blockchain test: a genesis, blocks to import (some invalid), a post-state."""

    source: str
    name: str
    network: str
    fixture: dict[str, Any]  # normalized by py-evm's fixture tools

    @property
    def block_count(self) -> int:
        return len(self.fixture["blocks"])


def find_fixture_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, and every .json / .json.gz under the folders given, sorted."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.name.endswith((".json", ".json.gz")))
            )
        elif path.exists():
            found.append(path)
        else:
            raise InputError(str(path), "no such file or folder")
    return found


def load_fixture_file(path: str | Path) -> list[FixtureCase]:
    """Every case in one fixture file, normalized; malformed cases are an InputError."""
    source = str(path)
    data = read_json(path)
    if not isinstance(data, dict):
        raise InputError(source, "a fixture file maps test names to tests; got a list or value")
    cases = []
    for name, raw in data.items():
        if not isinstance(raw, dict):
            raise InputError(source, f"test {name!r}: expected an object")
        missing = [key for key in _REQUIRED if key not in raw]
        if missing:
            raise InputError(source, f"test {name!r}: missing {', '.join(missing)}")
        try:
            fixture = normalize_blockchain_fixtures(raw)
        except Exception as exc:  # py-evm's normalizer raises many kinds on bad values
            raise InputError(source, f"test {name!r}: malformed fixture: {exc}") from None
        try:
            chain_vm_configuration(fixture)
        except ValueError:
            raise InputError(
                source, f"test {name!r}: unknown network {raw['network']!r} for py-evm 0.12"
            ) from None
        cases.append(FixtureCase(source, name, raw["network"], fixture))
    return cases
