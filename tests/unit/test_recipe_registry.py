"""The recipe registry: names, entry-point plug-ins, recorded construction arguments, conformance checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import recipes
from domain.errors import SpecError
from recipes.conformance import problems, render_point
from recipes.shared_gates import ProbeGate

PLUGIN = Path(__file__).resolve().parents[1] / "plugin_example"


def test_builtins_record_their_construction_arguments() -> None:
    recipe = recipes.get("ground_truth", examples=2)
    assert recipes.recipe_info(recipe) == recipes.RecipeInfo("ground_truth", {"examples": 2, "author_temperature": 1.0})
    assert problems(recipe) == []


def test_unknown_option_names_the_option_and_the_accepted_ones() -> None:
    with pytest.raises(
        SpecError,
        match=r"unknown option 'temperature' for recipe 'agent_step' \(accepted: workflow, "
        r"author_temperature\)",
    ):
        recipes.get("agent_step", temperature=0.3)


def test_entry_point_plugin_is_found_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(PLUGIN))
    monkeypatch.setattr(recipes, "_FACTORIES", dict(recipes._FACTORIES))  # the plug-in stays out of later tests
    assert "reverse_word" in recipes.names()
    recipe = recipes.get("reverse_word", uppercase=True)
    assert recipes.recipe_info(recipe).args == {"uppercase": True}
    assert [g.name for g in recipe.gates] == ["construct", "novelty", "difficulty", "final"]


class _Gate:
    def __init__(self, name: str, reads: Any = frozenset()) -> None:
        self.name, self.reads = name, reads

    async def check(self, payload: dict[str, Any], ctx: Any) -> Any: ...


class _Broken:
    name = "broken"
    probe_gate = "probe"

    def __init__(self) -> None:
        self.gates = [_Gate("construct"), _Gate("construct", reads={"x"}), ProbeGate(frozenset()), _Gate("last")]

    def validate(self, payload: dict[str, Any]) -> list[str]:
        return []

    def draft(self, ctx: Any) -> Any:  # not async: a mistake the check names
        return None

    async def attempt(self, *args: Any) -> Any: ...

    def render(self, payload: dict[str, Any]) -> str:
        return "rendered"


def test_conformance_names_every_gap_at_once() -> None:
    found = problems(_Broken())
    assert found == [
        "draft() must be async",
        "no method repair()",
        "no method novelty_text()",
        "gate 'construct' has no 'reads' (a frozenset of the payload fields it inspects)",
        "gate names repeat (construct)",
        "probe_gate 'probe' is not one of the gates (construct, construct, difficulty, last)",
        "the last gate must be the final quality check named 'final' (got 'last')",
    ]


def test_a_nonconforming_registered_recipe_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(recipes._FACTORIES, "broken", _Broken)
    with pytest.raises(SpecError, match="recipe 'broken' cannot run: draft\\(\\) must be async; no method repair"):
        recipes.get("broken")


def test_render_point_prefers_render_results() -> None:
    class WithResults(_Broken):
        def render_results(self, payload: dict[str, Any], details: dict[str, dict[str, Any]]) -> str:
            return f"rendered with {sorted(details)}"

    assert render_point(_Broken(), {}, {"agreement": {}}) == "rendered"
    assert render_point(WithResults(), {}, {"agreement": {}}) == "rendered with ['agreement']"
