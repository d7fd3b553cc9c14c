"""How `parevm bench` shows its rows: a terminal table, Markdown, JSON with the machine."""

import datetime
import os
import platform
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import Any

from .bench import Row
from .crypto import backends_in_use
from .table import render

HEADERS = (
    "name", "mode", "workers", "txs", "Mgas", "seconds", "tx/s", "Mgas/s", "vs seq", "vs py-evm",
    "efficiency", "exec vs seq", "machine", "of machine", "reexec/tx", "bound", "sched@w", "checks",
)
LEGEND = (
    "seconds: median whole replay less the post-state diff; vs seq, vs py-evm: speedup; "
    "exec vs seq: speedup of the transaction phase alone;\nmachine: the speedup that as many copies of "
    "the sequential replay run at once reach here (the machine's ceiling for that many workers), "
    "of machine: vs seq over it;\nbound: total work / critical path "
    "(transaction phase, `parevm analyze`); sched@w: the graph's ideal schedule on that many workers"
)


def cells(row: Row) -> list[object]:
    return [
        row.name, row.mode, row.workers, row.txs, round(row.gas / 1e6, 2), row.seconds,
        round(row.tx_per_second), round(row.gas_per_second / 1e6, 2),
        row.speedup_vs_sequential, row.speedup_vs_pyevm, row.efficiency, row.execute_speedup,
        *_ceiling(row),
        round(row.reexecutions_per_tx, 3), round(row.bound, 2),
        round(row.scheduled, 2),
        ("ok" if row.checks_ok else "FAILED") + (" (fallback)" if row.fallback else ""),
    ]


def _ceiling(row: Row) -> tuple[object, object]:
    ceiling = row.machine_ceiling
    return ("", "") if ceiling is None else (ceiling, row.speedup_vs_sequential / ceiling)


def table(rows: Sequence[Row]) -> str:
    return render(HEADERS, [cells(row) for row in rows])


def markdown(rows: Sequence[Row], machine: dict[str, Any]) -> str:
    lines = [
        f"Measured {machine['date']} on {machine['cpus']} cores ({machine['cpu']}), "
        f"Python {machine['python']}, py-evm {machine['py-evm']}; median of {machine['repeat']} "
        f"run(s); `{machine['command']}`",
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|" + "|".join(" --- " for _ in HEADERS) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(_markdown_cell(c) for c in cells(row)) + " |")
    lines += ["", LEGEND.replace("\n", " ")]
    return "\n".join(lines) + "\n"


def _markdown_cell(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def machine(repeat: int) -> dict[str, Any]:
    """What the figures were measured on (ratios from one run are what carry over)."""
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join(["parevm", *sys.argv[1:]]),
        "repeat": repeat,
        "cpus": os.cpu_count(),
        "cpu": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "py-evm": metadata.version("py-evm"),
        **backends_in_use(),
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def to_json(rows: Sequence[Row], machine_info: dict[str, Any]) -> dict[str, Any]:
    return {"machine": machine_info, "rows": [row.to_json() for row in rows]}
