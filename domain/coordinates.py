"""Stratified, seeded coordinates: every prefix of a run's pulls is spread across the axes by weight."""

from __future__ import annotations

import hashlib
import itertools

import numpy as np


def _cells(axes: dict[str, tuple[list[str], list[float]]]) -> tuple[list[dict[str, str]], np.ndarray]:
    names = list(axes)
    cells: list[dict[str, str]] = []
    weights: list[float] = []
    value_lists = [list(zip(axes[n][0], axes[n][1], strict=True)) for n in names]
    for combo in itertools.product(*value_lists):
        cells.append({n: v for n, (v, _) in zip(names, combo, strict=True)})
        weights.append(float(np.prod([w for _, w in combo])))
    w = np.asarray(weights, dtype=float)
    return cells, w / w.sum()


def coordinates(axes: dict[str, tuple[list[str], list[float]]], seed: int, count: int) -> list[dict[str, str]]:
    """The first ``count`` coordinates of a run.

    Tijdeman's chairman assignment over the cells of the axes' product: every prefix of the sequence keeps
    each cell's count within one of its weighted share. Ties are broken by a seeded permutation, so
    different seeds visit cells in different orders.
    """
    if not axes:
        return [{} for _ in range(count)]
    cells, share = _cells(axes)
    digest = hashlib.sha256(f"assay-coordinates:{seed}".encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:8], "big"))
    tiebreak = rng.permutation(len(cells)) * 1e-9
    n = len(cells)
    slack = 1.0 - 1.0 / (2 * (n - 1)) if n > 1 else 1.0
    counts = np.zeros(n)
    out: list[dict[str, str]] = []
    for i in range(1, count + 1):
        # Eligible cells can be taken now without overshooting their share by more than the slack;
        # among them the earliest deadline goes first.
        eligible = share * i - counts >= 1.0 - slack - 1e-12
        deadline = np.where(eligible, (counts + slack) / share, np.inf) + tiebreak
        pick = int(np.argmin(deadline))
        counts[pick] += 1
        out.append(dict(cells[pick]))
    return out


def coordinate_at(axes: dict[str, tuple[list[str], list[float]]], seed: int, index: int) -> dict[str, str]:
    """The coordinate of pull ``index`` (0-based)."""
    return coordinates(axes, seed, index + 1)[index]
