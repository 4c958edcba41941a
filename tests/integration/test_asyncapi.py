"""The AsyncAPI document: generated from the services, committed at docs/asyncapi.yaml, and kept current."""

from __future__ import annotations

from pathlib import Path

import msgspec
import yaml

from app.asyncapi import REF, document, render
from domain import facts as f
from domain.published import SUBJECT_V1, AcceptedPointV1
from tests.e2e.helpers import ROOT, assay

COMMITTED = ROOT / "docs" / "asyncapi.yaml"


def test_committed_document_is_current() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render("yaml"), (
        "docs/asyncapi.yaml is stale: regenerate it with `assay asyncapi --output docs/asyncapi.yaml`"
    )


def test_accepted_points_channel_carries_the_published_schema() -> None:
    doc = document()
    assert doc["asyncapi"] == "3.0.0"
    (channel,) = [c for c in doc["channels"].values() if c["address"] == SUBJECT_V1]
    (message_ref,) = channel["messages"].values()
    message = doc["components"]["messages"][message_ref["$ref"].rsplit("/", 1)[-1]]
    assert message["payload"] == {"$ref": REF.format(name="AcceptedPointV1")}
    assert "Nats-Msg-Id" in message["headers"]["properties"]
    (point,), schemas = msgspec.json.schema_components([AcceptedPointV1], ref_template=REF)
    for name, schema in schemas.items():
        assert doc["components"]["schemas"][name] == schema
    assert [
        o["action"] for o in doc["operations"].values() if o["channel"]["$ref"].endswith("/accepted-points-v1")
    ] == ["send"]


def test_internal_channels_are_the_services_consumers() -> None:
    doc = document()
    internal = {c["address"] for c in doc["channels"].values() if c["address"].startswith("assay.ev.")}
    assert {
        "assay.ev.run.RunStarted",
        "assay.ev.run.LeverPulled",
        "assay.ev.candidate.Drafted",
        "assay.ev.candidate.VerdictGiven",
    } <= internal
    tags = {f.tag_of(t) for t in f.ALL_FACTS}
    assert {a.rsplit(".", 1)[-1] for a in internal} <= tags
    assert "publisher_VerdictGiven" in doc["channels"]
    refs = {r["$ref"] for r in _refs(doc)}
    assert all(r.rsplit("/", 1)[-1] in doc["components"]["schemas"] for r in refs if "/schemas/" in r)


def test_cli_writes_the_document(tmp_path: Path) -> None:
    out = tmp_path / "api.yaml"
    done = assay(tmp_path / ".assay", "asyncapi", "--output", str(out))
    assert done.returncode == 0, done.stderr
    assert yaml.safe_load(out.read_text()) == yaml.safe_load(render("yaml"))
    bad = assay(tmp_path / ".assay", "asyncapi", "--format", "xml")
    assert bad.returncode == 2 and "yaml or json" in bad.stderr


def _refs(node: object) -> list[dict[str, str]]:
    if isinstance(node, dict):
        own = [node] if isinstance(node.get("$ref"), str) else []
        return own + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []
