"""What Assay publishes for downstream subscribers: the accepted point, version 1.

Subject ``assay.points.accepted.v1`` carries one ``AcceptedPointV1`` (JSON) per point a person
approved, as drafted or edited, with ``Nats-Msg-Id`` = the candidate id. Evolution rules, as for
facts: new fields get defaults and consumers ignore fields they do not know; field types never
change; anything incompatible is a new schema (``assay.accepted-point/2``) on a new subject.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

import msgspec

SCHEMA_V1: Final = "assay.accepted-point/1"
SUBJECT_V1 = "assay.points.accepted.v1"


def _doc(text: str) -> msgspec.Meta:
    return msgspec.Meta(description=text)


class Difficulty(msgspec.Struct, frozen=True, forbid_unknown_fields=False):
    """The point's difficulty, measured by the solver panel."""

    band: Annotated[str, _doc("too_easy | discriminating | flat | too_hard")]
    solve_rate: Annotated[float, _doc("mean per-sample success across the panel's models, 0..1")]
    passed_models: Annotated[list[str], _doc("panel models that solve it at pass@1 >= 0.5")]
    pass_at_k: Annotated[
        dict[str, dict[str, float]], _doc("per model, pass@k by k (unbiased estimator, Chen et al. 2021)")
    ]


class ReceiptsSummary(msgspec.Struct, frozen=True, forbid_unknown_fields=False):
    """What making the point cost: every model call from draft to probe."""

    calls: Annotated[int, _doc("model calls")]
    tokens: Annotated[int, _doc("prompt + completion tokens")]
    cost_usd: Annotated[float, _doc("summed cost of the calls in USD")]
    models: Annotated[list[str], _doc("the distinct models called, sorted")] = []


class AcceptedPointV1(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=False):
    """One evaluation point a person accepted, ready for a trainer or an eval harness."""

    schema: Annotated[Literal["assay.accepted-point/1"], _doc("schema name and major version")] = SCHEMA_V1
    candidate_id: Annotated[str, _doc("the point's id (a UUID); also the message's Nats-Msg-Id")]
    run_id: Annotated[str, _doc("the run that made it")]
    spec: Annotated[str, _doc("the input spec's name")]
    recipe: Annotated[str, _doc("the data type's recipe, which defines the payload's shape")]
    coordinate: Annotated[dict[str, str], _doc("the point's cell in the spec's coverage grid")] = {}
    payload: Annotated[dict[str, Any], _doc("the item: as drafted (approve) or as the reviewer edited it (edit)")]
    difficulty: Annotated[Difficulty | None, _doc("null only for a recipe without a difficulty probe")] = None
    verdict: Annotated[Literal["approve", "edit"], _doc("approve: as drafted; edit: with the reviewer's edits")]
    reviewer: Annotated[str, _doc("who gave the verdict")]
    accepted_at: Annotated[str, _doc("when the verdict was recorded (ISO 8601, UTC)")]
    receipts: ReceiptsSummary


def encode(point: AcceptedPointV1) -> bytes:
    return msgspec.json.encode(point)


def decode(data: bytes | str) -> AcceptedPointV1:
    return msgspec.json.decode(data, type=AcceptedPointV1)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of ``AcceptedPointV1`` (self-contained, with ``$defs``)."""
    return msgspec.json.schema(AcceptedPointV1)
