"""The published accepted-point message, version 1: its JSON form, its decoding and its JSON Schema."""

from __future__ import annotations

import msgspec
import pytest

from domain import published as p

POINT = p.AcceptedPointV1(
    candidate_id="c-1",
    run_id="run-1",
    spec="arithmetic",
    recipe="ground_truth",
    payload={"question": "2 + 2?", "answer": 4},
    verdict="approve",
    reviewer="ana",
    accepted_at="2026-01-01T00:00:00Z",
    receipts=p.ReceiptsSummary(calls=1, tokens=2, cost_usd=0.5),
)
WIRE = (
    b'{"schema":"assay.accepted-point/1","candidate_id":"c-1","run_id":"run-1","spec":"arithmetic",'
    b'"recipe":"ground_truth","coordinate":{},"payload":{"question":"2 + 2?","answer":4},"difficulty":null,'
    b'"verdict":"approve","reviewer":"ana","accepted_at":"2026-01-01T00:00:00Z",'
    b'"receipts":{"calls":1,"tokens":2,"cost_usd":0.5,"models":[]}}'
)


def test_encode_known_answer() -> None:
    assert p.encode(POINT) == WIRE


def test_decode_round_trips_and_ignores_unknown_fields() -> None:
    assert p.decode(WIRE) == POINT
    assert p.decode(WIRE.decode()) == POINT
    newer = WIRE.replace(b'"reviewer":"ana"', b'"reviewer":"ana","added_later":[1, 2]')
    assert p.decode(newer) == POINT


def test_decode_checks_the_schema_and_types() -> None:
    with pytest.raises(msgspec.ValidationError):
        p.decode(WIRE.replace(b"assay.accepted-point/1", b"assay.accepted-point/2"))
    with pytest.raises(msgspec.ValidationError):
        p.decode(WIRE.replace(b'"verdict":"approve"', b'"verdict":"reject"'))
    with pytest.raises(msgspec.ValidationError):
        p.decode(b'{"schema":"assay.accepted-point/1"}')


def test_json_schema_names_every_field_with_a_description() -> None:
    schema = p.json_schema()
    assert schema["$ref"] == "#/$defs/AcceptedPointV1"
    point = schema["$defs"]["AcceptedPointV1"]
    assert point["properties"]["schema"]["enum"] == [p.SCHEMA_V1]
    assert set(point["required"]) == {
        "candidate_id",
        "run_id",
        "spec",
        "recipe",
        "payload",
        "verdict",
        "reviewer",
        "accepted_at",
        "receipts",
    }
    for name in ("AcceptedPointV1", "Difficulty", "ReceiptsSummary"):
        for field, spec in schema["$defs"][name]["properties"].items():
            assert spec.get("description") or field == "receipts", (name, field)
    assert point["properties"]["difficulty"]["description"] == "null only for a recipe without a difficulty probe"


def test_doc_is_a_description() -> None:
    assert p._doc("the run that made it") == msgspec.Meta(description="the run that made it")
