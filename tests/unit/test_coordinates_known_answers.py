"""Known answers for coordinates: a run's pulls must land on the same cells in every version of Assay.

A resumed or replayed run recomputes ``coordinate_at(axes, seed, index)``; if the sequence changed between
versions, pull 7 of an old run would name another cell than the one its candidate was drafted for. The
sequences below were computed once and checked by hand: every prefix stays within one of its weighted share.
"""

from __future__ import annotations

import pytest

from domain.coordinates import coordinate_at, coordinates

EQUAL = {"topic": (["a", "b", "c", "d", "e"], [1.0] * 5)}
TWO = {"lang": (["en", "fr"], [1.0, 1.0]), "form": (["s", "l"], [2.0, 1.0])}
WEIGHTED = {"difficulty": (["easy", "medium", "hard"], [1.0, 2.0, 5.0])}
BINARY = {"t": (["x", "y"], [1.0, 3.0])}


@pytest.mark.parametrize(
    ("seed", "expected"),
    [(0, "bcedabceda"), (1, "ecbadecbad"), (2, "edcbaedcba")],
)
def test_equal_weights_visit_cells_in_the_seeded_order(seed: int, expected: str) -> None:
    assert "".join(c["topic"] for c in coordinates(EQUAL, seed, 10)) == expected


@pytest.mark.parametrize(
    ("seed", "expected"),
    [
        (0, "ens frs enl frl ens frs ens frs enl frl ens frs"),
        (1, "ens frs frl enl ens frs ens frs frl enl ens frs"),
        (2, "frs ens frl enl frs ens frs ens frl enl frs ens"),
    ],
)
def test_two_axes_known_sequence(seed: int, expected: str) -> None:
    assert " ".join(c["lang"] + c["form"] for c in coordinates(TWO, seed, 12)) == expected


def test_weighted_and_two_cell_known_sequences() -> None:
    assert "".join(c["difficulty"][0] for c in coordinates(WEIGHTED, 3, 16)) == "hhmhehmhhhmhehmh"
    assert "".join(c["t"] for c in coordinates(BINARY, 0, 12)) == "yxyyyxyyyxyy"
    assert [coordinate_at(BINARY, 0, i)["t"] for i in range(4)] == ["y", "x", "y", "y"]


def test_every_value_needs_a_weight() -> None:
    with pytest.raises(ValueError):
        coordinates({"t": (["x", "y"], [1.0])}, 0, 1)
    with pytest.raises(ValueError):
        coordinates({"t": (["x"], [1.0, 2.0])}, 0, 1)
