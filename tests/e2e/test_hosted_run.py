"""A whole `assay run` against a hosted (HTTP) judge: a failing endpoint ends in honest rejects with complete
receipts, and a fallback deployment takes over from a failing one. The endpoint is the project's own
OpenAI-compatible test server (tests/llm_server.py) on 127.0.0.1; everything else is the offline panel."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.helpers import SPEC, assay
from tests.llm_server import LLMServer, as_outcome


def hosted_judge_spec(tmp_path: Path, server: LLMServer, fallback: bool = False) -> Path:
    extra = '\n[[fallbacks]]\nhosted = ["backup"]\n' if fallback else ""
    text = (
        SPEC.read_text().replace('judge = "local/judge-a"', 'judge = "hosted"')
        + f"""
[[model_list]]
model_name = "hosted"
litellm_params = {{ model = "openai/acme-judge", api_base = "{server.base_url}", api_key = "os.environ/ACME_KEY" }}
model_info = {{ input_cost_per_token = 0.000001, output_cost_per_token = 0.000002 }}

[[model_list]]
model_name = "backup"
litellm_params = {{ model = "local/judge-a" }}
{extra}"""
    )
    path = tmp_path / "hosted.toml"
    path.write_text(text)
    return path


def test_a_failing_endpoint_is_refused_by_the_preflight_then_rejected_honestly(
    tmp_path: Path, llm_server: LLMServer
) -> None:
    llm_server.default = as_outcome("500")
    spec, home = hosted_judge_spec(tmp_path, llm_server), tmp_path / ".assay"
    refused = assay(home, "run", str(spec), "--attempts", "3", "--quiet", ACME_KEY="k")
    assert refused.returncode == 2 and "hosted (judge) via openai/acme-judge: it did not answer" in refused.stderr
    assert not (home / "ledger.sqlite").exists()

    before = len(llm_server.requests)
    args = ("--attempts", "3", "--concurrency", "1", "--seed", "3", "--quiet", "--no-preflight")
    ran = assay(home, "run", str(spec), *args, ACME_KEY="k")
    assert ran.returncode == 3 and "model error" in ran.stderr  # an outage mid-run: honest rejects, exit 3
    row = json.loads(assay(home, "status", "--json").stdout)["runs"][0]
    assert row["attempts"] == 3 and row["queued"] == 0 and row["rejected"] == 3
    judged = [r for r in llm_server.requests if r.model == "acme-judge"]
    assert judged and all(r.api_key == "k" and r.status == 500 for r in judged)
    queue = json.loads(assay(home, "status", "--json").stdout)
    assert queue["totals"]["rejects_by_gate"]  # every reject is counted under its gate
    shown = [json.loads(assay(home, "show", c, "--json").stdout) for c in _candidates(home, row["run_id"])]
    errors = [r for h in shown for f in h["facts"] for r in f.get("receipts", []) if r["model"] == "hosted"]
    assert errors and all(r["error"].startswith("InternalServerError") and r["status"] == 500 for r in errors)
    # Every request the endpoint saw in the run is one try on a receipt: the Router retried each call
    # (ASSAY_LLM_RETRIES, 2 by default), and each try says what it got and how long it waited before the next.
    tries = [t for r in errors for t in r["tries"]]
    assert all(len(r["tries"]) == 3 for r in errors) and len(tries) == len(llm_server.requests) - before
    assert all((t["status"], t["error"]) == (500, "InternalServerError") for t in tries)
    assert all(t["waited_ms"] > 0 for r in errors for t in r["tries"][:-1])
    text = assay(home, "show", _candidates(home, row["run_id"])[0]).stdout
    assert "Tries of the calls that took more than one" in text and "InternalServerError" in text
    assert "retries (InternalServerError" in assay(home, "status").stdout


def test_a_fallback_deployment_answers_when_the_endpoint_fails(tmp_path: Path, llm_server: LLMServer) -> None:
    llm_server.plan("acme-judge", ["ok"])  # the preflight's call; every later one fails
    llm_server.default = as_outcome("500")
    spec, home = hosted_judge_spec(tmp_path, llm_server, fallback=True), tmp_path / ".assay"
    ran = assay(home, "run", str(spec), "--attempts", "3", "--concurrency", "1", "--seed", "3", "--quiet", ACME_KEY="k")
    # The endpoint fails every judge call of the run; the backup deployment answers them, so the run ends normally.
    assert ran.returncode == 0, ran.stderr
    assert sum(r.model == "acme-judge" and r.status == 500 for r in llm_server.requests) >= 1


def _candidates(home: Path, run_id: str) -> list[str]:
    shown = json.loads(assay(home, "show", run_id, "--json").stdout)
    return [c["candidate_id"] for c in shown["candidates"]]
