"""Per-model probe configuration in a spec, and the suspect / teeth flags of the band."""

from __future__ import annotations

import pytest

from domain.errors import SpecError
from domain.passk import band, outcome
from domain.spec import parse_spec

BASE = """
name = "s"
recipe = "ground_truth"
[models]
author = "local/author"
panel = ["local/a", "local/b"]
[probe]
n = 4
k = [1, 4]
"""


def test_panel_defaults_come_from_models_and_probe() -> None:
    plan = parse_spec(BASE).panel_plan()
    assert [(p.model, p.n, p.k) for p in plan] == [("local/a", 4, [1, 4]), ("local/b", 4, [1, 4])]


def test_probe_panel_overrides_per_model() -> None:
    text = BASE + '[[probe.panel]]\nmodel = "m/strong"\nn = 10\nk = [1, 5, 10]\n[[probe.panel]]\nmodel = "m/weak"\n'
    plan = parse_spec(text).panel_plan()
    assert [(p.model, p.n, p.k) for p in plan] == [("m/strong", 10, [1, 5, 10]), ("m/weak", 4, [1, 4])]


def test_k_above_a_models_n_names_the_model_and_line() -> None:
    text = BASE + '[[probe.panel]]\nmodel = "m/strong"\nn = 3\nk = [1, 5]\n'
    with pytest.raises(SpecError, match=r"s.toml:\d+: probe.panel.k: m/strong: k=5 must be between 1 and n=3"):
        parse_spec(text, "s.toml")


def test_nobody_solving_is_suspect_and_strongest_failing_is_teeth() -> None:
    nobody = band([outcome("a", [False] * 5, [1, 5]), outcome("b", [False] * 5, [1, 5])])
    assert (nobody.name, nobody.suspect, nobody.teeth, nobody.in_band) == ("too_hard", True, False, False)
    teeth = band([outcome("a", [False] * 5, [1, 5]), outcome("b", [True, True, True, False, False], [1, 5])])
    assert (teeth.name, teeth.suspect, teeth.teeth) == ("discriminating", False, True)
    assert outcome("a", [False] * 5, [1, 5]).pass_at_k["5"] == 0.0
