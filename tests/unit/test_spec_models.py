"""Deployments in a spec: litellm Router's model_list shape, checked before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.errors import SpecError
from domain.spec import parse_spec, spec_from_dict, spec_to_dict, unknown_fallbacks

BASE = (Path(__file__).resolve().parents[2] / "specs" / "arithmetic.toml").read_text()
HOSTED = """
[[model_list]]
model_name = "writer"
litellm_params = { model = "openai/gpt-4o-mini", api_base = "http://h:9/v1", api_key = "os.environ/K1", rpm = 60 }
model_info = { input_cost_per_token = 1.5e-7, output_cost_per_token = 6e-7 }

[[model_list]]
model_name = "writer"
litellm_params = { model = "openai/gpt-4o-mini", api_base = "http://127.0.0.1:10/v1", api_key = "os.environ/K2" }
model_info = { free = true }

[[fallbacks]]
writer = ["local-author"]

[[model_list]]
model_name = "local-author"
litellm_params = { model = "local/author" }
model_info = { free = true }
"""


def test_roles_name_deployments_and_the_spec_round_trips() -> None:
    spec = parse_spec(BASE.replace('author = "local/author"', 'author = "writer"') + HOSTED, "s.toml")
    assert [d.model_name for d in spec.deployments("writer")] == ["writer", "writer"]
    assert spec.deployments("local/judge-a") == []  # a plain litellm model
    assert spec.deployments("writer")[0].key_env == "K1"
    assert [d.model_info.priced for d in spec.model_list] == [True, True, True]
    assert spec.role_models()["author"] == "writer" and spec.role_models()["panel[0]"] == "local/solver-strong"
    assert unknown_fallbacks(spec) == []
    assert spec_from_dict(spec_to_dict(spec)) == spec


def test_a_spec_without_deployments_records_what_it_recorded_before() -> None:
    data = spec_to_dict(parse_spec(BASE, "s.toml"))
    assert "model_list" not in data and "fallbacks" not in data and "file" not in data["models"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('litellm_params = { api_base = "http://x" }', "writer: litellm_params.model is required"),
        ('litellm_params = { model = "openai/x", api_key = "sk-123" }', "api_key must name an environment variable"),
        ('litellm_params = { model = "openai/x", api_key = "os.environ/" }', "api_key must name an environment"),
        (
            'litellm_params = { model = "openai/x", rpm = 0 }',
            "litellm_params.rpm 0 is out of range: it must be a number in (0, 1,000,000,000]",
        ),
        ('litellm_params = { model = "openai/x", timeout = "soon" }', "litellm_params.timeout has the wrong type"),
        ('litellm_params = { model = "openai/x", timeout = nan }', "litellm_params.timeout nan is out of range"),
        (
            'litellm_params = { model = "openai/x", timeout = 3601 }',
            "timeout 3601 is out of range: it must be a number in (0, 3,600]",
        ),
        ('litellm_params = { model = "openai/x", max_retries = 21 }', "max_retries 21 is out of range"),
        (
            'litellm_params = { model = "openai/x", max_retries = -1 }',
            "max_retries -1 is out of range: it must be a whole number in 0..20",
        ),
        (
            'litellm_params = { model = "openai/x" }\nmodel_info = { input_cost_per_token = -1.0 }',
            "model_info.input_cost_per_token -1.0 is out of range: it must be a number in [0, 1]",
        ),
        ('litellm_params = { model = "openai/x" }\nmodel_info = { price = 1 }', "model_info.price"),
    ],
)
def test_bad_deployments_are_refused_with_the_file_line_and_field(entry: str, message: str) -> None:
    text = BASE + f'\n[[model_list]]\nmodel_name = "writer"\n{entry}\n'
    with pytest.raises(SpecError, match=r"^s\.toml(:\d+)?: model_list") as refused:
        parse_spec(text, "s.toml")
    assert message in str(refused.value)


def test_fallbacks_must_name_deployments() -> None:
    spec = parse_spec(BASE + '\n[[fallbacks]]\nwriter = ["nobody"]\n', "s.toml")
    assert unknown_fallbacks(spec) == ["writer", "nobody"]
