"""The AsyncAPI 3.0 document of Assay's bus, generated from the services' own FastStream endpoints.

Every service is wired onto a broker that never connects (``app.runtime.wire``), FastStream's
specification support turns its subscribers and the publisher's ``assay.points.accepted.v1`` publisher
into channels and operations, and the payloads are filled in with the msgspec JSON Schemas of
``Envelope`` (the internal ``assay.ev.*`` facts) and ``AcceptedPointV1``.
"""

from __future__ import annotations

import json
from typing import Any, cast

import msgspec

from domain import facts as f
from domain.published import SCHEMA_V1, AcceptedPointV1

API_VERSION = "1.0.0"  # bump with the wire schemas: a new fact, a new published schema
DOC_SERVER = "nats://localhost:4222"  # placeholder: ASSAY_NATS_URL, or the embedded server's URL
REF = "#/components/schemas/{name}"
DESCRIPTION = f"""Assay's NATS JetStream interface.

**Downstream subscribers** read `assay.points.accepted.v1` on stream `ASSAY_POINTS`: one `AcceptedPointV1`
(schema `{SCHEMA_V1}`) per point a person accepted, with header `Nats-Msg-Id` = `candidate_id`. Use a
durable consumer and skip candidate ids you already hold; `examples/accepted_points_consumer.py` does both.

**Internal channels** `assay.ev.<aggregate>.<Fact>` on stream `ASSAY` carry every recorded fact as an
`Envelope`, published by the relay from the ledger in global order (`Nats-Msg-Id` = event id) and consumed
by the services' durable pull consumers. They may change between versions; the published schema does not."""


def _bus() -> Any:
    """A bus with every service's endpoints registered; nothing connects and the ledger is never opened."""
    from adapters.bus import Bus
    from adapters.ledger import AssayLedger
    from adapters.store import Store
    from app.runtime import ALL_SERVICES, wire

    bus = Bus(DOC_SERVER)
    wire(bus, ALL_SERVICES, None, None, Store(cast(AssayLedger, None)))  # wired to be described, never run
    return bus


def _fact_schema_names() -> dict[str, str]:
    return {f.tag_of(cls): cls.__name__ for cls in f.ALL_FACTS}


def document() -> dict[str, Any]:
    """The AsyncAPI document as plain data (deterministic: same code, same document)."""
    from faststream.specification import AsyncAPI

    spec = AsyncAPI(_bus().broker, title="Assay", version=API_VERSION, description=DESCRIPTION, schema_version="3.0.0")
    doc: dict[str, Any] = spec.to_specification().to_jsonable()
    (envelope_ref, point_ref), schemas = msgspec.json.schema_components([f.Envelope, AcceptedPointV1], ref_template=REF)
    names = _fact_schema_names()
    components = doc.setdefault("components", {})
    for key, message in components.get("messages", {}).items():
        if key.startswith("accepted-points-v1:"):
            message["payload"] = point_ref
            message["contentType"] = "application/json"
            message["headers"] = {
                "type": "object",
                "properties": {
                    "Nats-Msg-Id": {"type": "string", "description": "the candidate id: the stream drops a repeat"},
                },
            }
        else:
            tag = key.split(":")[0].rsplit("_", 1)[-1]  # the durable consumer "<service>_<Fact>"
            message.pop("correlationId", None)  # the relay sets no correlation id
            message["payload"] = {
                "allOf": [
                    dict(envelope_ref),
                    {"type": "object", "properties": {"fact": {"$ref": REF.format(name=names[tag])}}},
                ]
            }
            message["headers"] = {
                "type": "object",
                "properties": {
                    "Nats-Msg-Id": {"type": "string", "description": "the event id, <aggregate id>:<version>"},
                },
            }
    components["schemas"] = dict(sorted(schemas.items()))  # FastStream's placeholders replaced
    for section in (doc.get("channels", {}), doc.get("operations", {}), components.get("messages", {})):
        ordered = sorted(section.items())  # a stable order, whatever order the services registered in
        section.clear()
        section.update(ordered)
    for server in doc.get("servers", {}).values():
        server["description"] = "your NATS server with JetStream (ASSAY_NATS_URL), or Assay's embedded one"
    return doc


def render(fmt: str = "yaml") -> str:
    """The document as YAML or JSON text."""
    doc = document()
    if fmt == "json":
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if fmt != "yaml":
        raise ValueError(f"unknown format {fmt!r}: use yaml or json")
    import yaml

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value else None  # multi-line text as a literal block
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    return yaml.dump(doc, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=110)
