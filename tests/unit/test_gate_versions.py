"""Gate versions: a hash of a gate's code and configuration, stable across processes, moved by what moves it."""

from __future__ import annotations

from pathlib import Path

import msgspec

import recipes
from domain.spec import parse_spec
from recipes.versions import LENGTH, gate_config, gate_versions

SPEC = parse_spec((Path(__file__).resolve().parents[2] / "specs" / "arithmetic.toml").read_text())


def test_versions_are_short_distinct_and_independent_of_the_object() -> None:
    first = gate_versions(recipes.get("ground_truth"), SPEC)
    again = gate_versions(recipes.get("ground_truth"), SPEC)  # new objects: no id() or address may leak in
    assert first == again
    assert list(first) == [g.name for g in recipes.get("ground_truth").gates]
    assert all(len(v) == LENGTH for v in first.values()) and len(set(first.values())) == len(first)


def test_a_band_threshold_moves_only_the_probe_gate() -> None:
    tighter = msgspec.structs.replace(SPEC, probe=msgspec.structs.replace(SPEC.probe, min_spread=0.6))
    recipe = recipes.get("ground_truth")
    before, after = gate_versions(recipe, SPEC), gate_versions(recipe, tighter)
    assert [g for g in before if before[g] != after[g]] == ["difficulty"]


def test_the_authors_model_moves_no_gate() -> None:
    other = msgspec.structs.replace(SPEC, models=msgspec.structs.replace(SPEC.models, author="local/other"))
    assert gate_versions(recipes.get("ground_truth"), SPEC) == gate_versions(recipes.get("ground_truth"), other)


def test_a_gates_own_configuration_moves_its_version() -> None:
    spec = msgspec.structs.replace(SPEC, recipe="rubric")
    before = gate_versions(recipes.get("rubric"), spec)
    after = gate_versions(recipes.get("rubric", overlap_threshold=0.8), spec)
    assert [g for g in before if before[g] != after[g]] == ["mece"]


def test_functions_are_described_by_their_source_not_their_address() -> None:
    realism = next(g for g in recipes.get("ground_truth").gates if g.name == "realism")
    described = gate_config(realism)["attrs"]["messages"]
    assert described.startswith("recipes.ground_truth.prompts.judge_item#") and "0x" not in described
