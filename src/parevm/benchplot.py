"""The PNG of `parevm bench`: speedup against workers per workload; for block files, each
block's speedup against its bound (matplotlib, the `plot` extra)."""

import io
from collections.abc import Sequence
from typing import Any

from .bench import Row
from .errors import InputError


def require() -> Any:
    """pyplot, or a one-line error before any work is done."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot
    except ImportError:
        raise InputError("--plot", "needs matplotlib: pip install 'parevm[plot]'") from None
    return pyplot


def plot(rows: Sequence[Row], machine: dict[str, Any]) -> bytes:
    """The figure as PNG: a workload panel and/or a block panel."""
    pyplot = require()
    workloads = [r for r in rows if r.kind == "workload"]
    blocks = [r for r in rows if r.kind == "block"]
    panels = [panel for panel, present in ((_workload_panel, workloads), (_block_panel, blocks)) if present]
    if not panels:
        raise InputError("--plot", "nothing was measured")
    figure, axes = pyplot.subplots(1, len(panels), figsize=(7.5 * len(panels), 5.5), squeeze=False)
    for panel, axis in zip(panels, axes[0]):
        panel(axis, workloads if panel is _workload_panel else blocks)
    figure.suptitle(
        f"parevm bench, {machine['date']}: {machine['cpus']} cores, median of {machine['repeat']}",
        fontsize=11,
    )
    figure.tight_layout()
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=110)
    pyplot.close(figure)
    return png.getvalue()


def _workload_panel(axis: Any, rows: Sequence[Row]) -> None:
    parallel = [r for r in rows if r.mode == "parallel"]
    workers = sorted({r.workers for r in parallel})
    for name in dict.fromkeys(r.name for r in parallel):
        mine = sorted((r for r in parallel if r.name == name), key=lambda r: r.workers)
        line = axis.plot(
            [r.workers for r in mine], [r.speedup_vs_sequential for r in mine], marker="o",
            label=f"{name} (bound {mine[0].bound:.1f})",
        )
        axis.plot(workers, [min(mine[0].bound, w) for w in workers], linestyle=":", color=line[0].get_color())
    axis.plot(workers, workers, linestyle="--", color="grey", label="linear")
    axis.axhline(1.0, color="black", linewidth=0.6)
    axis.set_xticks(workers)
    axis.set_xlabel("workers")
    axis.set_ylabel("speedup vs parevm sequential")
    axis.set_title("workloads (dotted: each one's bound)")
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)


def _block_panel(axis: Any, rows: Sequence[Row]) -> None:
    """Each block at the widest worker count: the transaction phase's speedup, which the
    bound limits, and the whole replay's, which the serial phases hold below it."""
    widest = max(r.workers for r in rows if r.mode == "parallel")
    best = [r for r in rows if r.mode == "parallel" and r.workers == widest]
    bounds = [min(r.bound, widest) for r in best]
    axis.scatter(bounds, [r.execute_speedup for r in best], s=20, label="transaction phase")
    axis.scatter(bounds, [r.speedup_vs_sequential for r in best], s=20, marker="x", label="whole replay")
    top = max([*bounds, *(r.execute_speedup for r in best), 1.0]) * 1.05
    axis.plot([0, top], [0, top], linestyle="--", color="grey", label="speedup = bound")
    axis.axhline(1.0, color="black", linewidth=0.6)
    axis.set_xlim(0.9, top)
    axis.set_ylim(0, top)
    axis.set_xlabel(f"block's bound at {widest} workers: min(work / critical path, {widest})")
    axis.set_ylabel(f"speedup vs parevm sequential, {widest} workers")
    axis.set_title(f"{len(best)} blocks")
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
