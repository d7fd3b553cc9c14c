"""The public surface: everything a user needs is exported from `parevm`, documented, typed
(py.typed ships), and mypy-clean in strict mode in the modules that define it."""

import inspect
import subprocess
import sys
from pathlib import Path

import parevm

from .conftest import ROOT


def _exported():
    return [getattr(parevm, name) for name in parevm.__all__]


def test_every_export_is_documented():
    """Its own docstring: not inherited, nor the signature a dataclass gets by default."""
    def documented(obj):
        doc = obj.__dict__.get("__doc__") if isinstance(obj, type) else obj.__doc__
        return bool(doc) and not doc.startswith(f"{obj.__name__}(")

    assert [obj.__name__ for obj in _exported() if not documented(obj)] == []


def test_the_public_surface_type_checks_strictly():
    modules = {Path(inspect.getfile(obj)) for obj in _exported()} | {Path(parevm.__file__)}
    assert (Path(parevm.__file__).parent / "py.typed").exists()
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", *map(str, sorted(modules))],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"in {len(modules)} source files" in done.stdout
