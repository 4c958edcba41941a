"""`assay models` and the models file: every model a spec calls, resolved and checked, with nothing written."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.helpers import SPEC, assay

MODELS_FILE = """
[[model_list]]
model_name = "writer"
litellm_params = { model = "local/author", rpm = 600, timeout = 20 }
model_info = { input_cost_per_token = 0.000001, output_cost_per_token = 0.000002 }

[[model_list]]
model_name = "hosted"
litellm_params = { model = "openai/acme-1", api_base = "http://127.0.0.1:9/v1", api_key = "os.environ/ACME_KEY" }
"""


def _spec_with_models_file(tmp_path: Path) -> Path:
    (tmp_path / "models.toml").write_text(MODELS_FILE)
    text = SPEC.read_text().replace('author = "local/author"', 'author = "writer"\nfile = "models.toml"')
    spec = tmp_path / "spec.toml"
    spec.write_text(text)
    return spec


def test_the_demo_spec_is_ready_and_listed_as_json(tmp_path: Path) -> None:
    home = tmp_path / ".assay"
    ran = assay(home, "models", "--json")
    assert ran.returncode == 0, ran.stderr
    data = json.loads(ran.stdout)
    assert data["ready"] is True
    names = {m["name"]: m for m in data["models"]}
    assert names["local/author"]["roles"] == ["author"]
    assert all(e["answered"] and e["provider"] == "local" for m in data["models"] for e in m["endpoints"])
    assert not home.exists()  # nothing written


def test_a_models_file_joins_the_spec_and_names_what_is_missing(tmp_path: Path) -> None:
    spec = _spec_with_models_file(tmp_path)
    ran = assay(tmp_path / ".assay", "models", str(spec), "--json", "--no-preflight")
    assert ran.returncode == 0, ran.stderr  # "hosted" is in the file but no role uses it
    writer = next(m for m in json.loads(ran.stdout)["models"] if m["name"] == "writer")
    (end,) = writer["endpoints"]
    assert end["model"] == "local/author" and end["limits"] == {"rpm": 600, "timeout": 20}
    assert end["price"] == "$1.00 / $2.00 per M tokens (model_info)" and end["answered"] is None

    spec.write_text(spec.read_text().replace('judge = "local/judge-a"', 'judge = "hosted"'))
    refused = assay(tmp_path / ".assay", "run", str(spec), "--attempts", "1", "--quiet")
    assert refused.returncode == 2
    assert "hosted (judge) via openai/acme-1: its key is missing: set ACME_KEY" in refused.stderr
    assert "hosted (judge) via openai/acme-1: unpriced" in refused.stderr
    assert not (tmp_path / ".assay" / "ledger.sqlite").exists()
    listed = assay(tmp_path / ".assay", "models", str(spec), "--no-preflight", "--json", ACME_KEY="sk-test-0123456789")
    hosted = next(m for m in json.loads(listed.stdout)["models"] if m["name"] == "hosted")
    assert listed.returncode == 2 and hosted["endpoints"][0]["key"] == "ACME_KEY: set (sk-…6789)"
    assert "sk-test-0123456789" not in listed.stdout  # the key itself is never shown


def test_a_bad_models_file_is_refused_with_its_path(tmp_path: Path) -> None:
    spec = _spec_with_models_file(tmp_path)
    (tmp_path / "models.toml").write_text(
        '[[model_list]]\nmodel_name = "writer"\nlitellm_params = { api_key = "sk-1" }\n'
    )
    ran = assay(tmp_path / ".assay", "models", str(spec))
    assert ran.returncode == 2 and "Traceback" not in ran.stderr
    assert (
        f"{tmp_path / 'models.toml'}: model_list.litellm_params: writer: litellm_params.model is required" in ran.stderr
    )


def test_the_readme_hosted_spec_is_ready_once_its_keys_are_set(tmp_path: Path) -> None:
    hosted = SPEC.with_name("hosted.toml")
    keys = {k: "sk-test-0123456789" for k in ("OPENAI_API_KEY", "AZURE_KEY", "ANTHROPIC_API_KEY", "VLLM_KEY")}
    ran = assay(tmp_path / ".assay", "models", str(hosted), "--json", "--no-preflight", **keys)
    assert ran.returncode == 0, ran.stdout
    data = json.loads(ran.stdout)
    assert {m["name"] for m in data["models"]} >= {"writer", "claude", "vllm-qwen"} and data["ready"]
    refused = assay(tmp_path / ".assay", "run", str(hosted), "--no-preflight")
    assert (
        refused.returncode == 2
        and "claude (judge) via anthropic/claude-haiku-4-5: its key is missing" in refused.stderr
    )
