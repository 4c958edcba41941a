"""The report's plots as PNG bytes, drawn with matplotlib's Agg backend (no display needed)."""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from domain.separability import difficulty_histogram  # noqa: E402

BAND_COLORS = {
    "discriminating": "#2a9d8f",
    "too_easy": "#e9c46a",
    "flat": "#a8a8a8",
    "too_hard": "#e76f51",
    "unknown": "#6c757d",
}


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def pass_at_k_plot(data: dict[str, Any]) -> bytes:
    """Grouped bars: pass@k per model for each k, with the 95% bootstrap CI as error bars."""
    models, ks = data["models"], [str(k) for k in data["ks"]]
    fig, ax = plt.subplots(figsize=(max(5.0, 1.4 * len(models) * len(ks) + 2), 3.6))
    width = 0.8 / len(ks)
    x = np.arange(len(models))
    for i, k in enumerate(ks):
        cis = [data["pass_at_k"][m][k] for m in models]
        means = np.array([c["mean"] for c in cis])
        err = np.array([[c["mean"] - c["lo"] for c in cis], [c["hi"] - c["mean"] for c in cis]])
        ax.bar(x + (i - (len(ks) - 1) / 2) * width, means, width, yerr=err, capsize=4, label=f"pass@{k}")
    ax.set_xticks(x, [m.split("/")[-1] for m in models])
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("pass@k (95% CI)")
    first = ks[0]
    sep = data["separability"][first]
    ax.set_title(
        f"pass@k on {data['n_items']} items; separability at pass@{first}: "
        f"{sep['fraction']:.2f} ({sep['separated']}/{sep['n_pairs']} pairs)",
        fontsize=10,
    )
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def difficulty_plot(data: dict[str, Any]) -> bytes:
    """Histogram of per-item solve rate across the evaluated models, stacked by the probe's band."""
    diff = data["difficulty"]
    edges = np.array(diff["histogram"]["edges"])
    fig, ax = plt.subplots(figsize=(6.0, 3.2))
    bottom = np.zeros(len(edges) - 1)
    for band in sorted({r["band"] for r in diff["items"]}):
        rates = [r["solve_rate"] for r in diff["items"] if r["band"] == band]
        counts = np.array(difficulty_histogram(rates, bins=len(edges) - 1)[0])
        ax.bar(
            edges[:-1],
            counts,
            width=np.diff(edges),
            bottom=bottom,
            align="edge",
            edgecolor="white",
            color=BAND_COLORS.get(band),
            label=f"probe: {band}",
        )
        bottom += counts
    ax.set_xlim(0, 1)
    ax.set_xlabel("solve rate across evaluated models (share of correct samples)")
    ax.set_ylabel("items")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Difficulty distribution", fontsize=10)
    ax.legend(fontsize=8)
    return _png(fig)
