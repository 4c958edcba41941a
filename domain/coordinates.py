"""Stratified, seeded coordinates: every prefix of a run's pulls is spread across the axes by weight.

The sequence is drawn one pull at a time (``CoordinateDraw``): its whole state is each cell's count so far, so
memory and start-up never depend on how many pulls a run may make, and a run's recorded pulls give that state
back after a restart without drawing them again.
"""

from __future__ import annotations

import hashlib
import itertools
from array import array
from collections.abc import Iterable

import numpy as np

Axes = dict[str, tuple[list[str], list[float]]]


def _cells(axes: Axes) -> tuple[list[dict[str, str]], np.ndarray]:
    names = list(axes)
    cells: list[dict[str, str]] = []
    weights: list[float] = []
    value_lists = [list(zip(axes[n][0], axes[n][1], strict=True)) for n in names]
    for combo in itertools.product(*value_lists):
        cells.append({n: v for n, (v, _) in zip(names, combo, strict=True)})
        weights.append(float(np.prod([w for _, w in combo])))
    w = np.asarray(weights, dtype=float)
    return cells, w / w.sum()


class CoordinateDraw:
    """The coordinates of one run (axes and seed), drawn as they are needed.

    Tijdeman's chairman assignment over the cells of the axes' product: every prefix of the sequence keeps
    each cell's count within one of its weighted share. Ties are broken by a seeded permutation, so
    different seeds visit cells in different orders. The cells drawn so far are kept as small integers (two
    or four bytes a pull), so an earlier pull's coordinate can be read again, e.g. when a save conflicted.
    """

    def __init__(self, axes: Axes, seed: int) -> None:
        self._names = list(axes)
        self._cells, self._share = _cells(axes)  # no axes: one empty cell, which every pull takes
        digest = hashlib.sha256(f"assay-coordinates:{seed}".encode()).digest()
        rng = np.random.default_rng(int.from_bytes(digest[:8], "big"))
        n = len(self._cells)
        self._tiebreak = rng.permutation(n) * 1e-9
        self._slack = 1.0 - 1.0 / (2 * (n - 1)) if n > 1 else 1.0
        self._counts = np.zeros(n)
        self._drawn = array("H" if n <= 0xFFFF else "I")

    @property
    def position(self) -> int:
        """How many pulls' coordinates are drawn (or restored)."""
        return len(self._drawn)

    def at(self, index: int) -> dict[str, str]:
        """The coordinate of pull ``index`` (0-based), drawing up to it if needed; a fresh dict each call."""
        if index < 0:
            raise IndexError(f"pull index {index} is negative")
        while len(self._drawn) <= index:
            self._step()
        return dict(self._cells[self._drawn[index]])

    def restore(self, recorded: Iterable[dict[str, str]]) -> bool:
        """Take the coordinates of a run's first pulls, in pull order, as drawn (they are: the same axes and seed
        give the same sequence), so the next draw continues after them without recomputing them. False, with
        nothing taken, if one is not a cell of these axes (then the draw starts from the first pull)."""
        if self._drawn:
            return False
        index = {tuple(cell[n] for n in self._names): i for i, cell in enumerate(self._cells)}
        picks: list[int] = []
        for coordinate in recorded:
            key = tuple(coordinate.get(n) for n in self._names)
            if len(coordinate) != len(self._names) or key not in index:
                return False
            picks.append(index[key])  # type: ignore[index]
        self._drawn.extend(picks)
        self._counts += np.bincount(np.asarray(picks, dtype=np.intp), minlength=len(self._cells))
        return True

    def _step(self) -> None:
        i = len(self._drawn) + 1
        # Eligible cells can be taken now without overshooting their share by more than the slack;
        # among them the earliest deadline goes first.
        eligible = self._share * i - self._counts >= 1.0 - self._slack - 1e-12
        deadline = np.where(eligible, (self._counts + self._slack) / self._share, np.inf) + self._tiebreak
        pick = int(np.argmin(deadline))
        self._counts[pick] += 1
        self._drawn.append(pick)


def coordinates(axes: Axes, seed: int, count: int) -> list[dict[str, str]]:
    """The first ``count`` coordinates of a run (a list: for tests and benchmarks; runs draw lazily)."""
    draw = CoordinateDraw(axes, seed)
    return [draw.at(i) for i in range(count)]


def coordinate_at(axes: Axes, seed: int, index: int) -> dict[str, str]:
    """The coordinate of pull ``index`` (0-based)."""
    return CoordinateDraw(axes, seed).at(index)
