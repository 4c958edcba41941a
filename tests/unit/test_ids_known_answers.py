"""Known answers for deterministic ids: every ledger names its aggregates by these, so they never change."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from domain.evaluation import evaluation_uuid
from domain.ids import candidate_uuid, run_uuid


def test_run_and_candidate_ids() -> None:
    assert run_uuid("run-1") == UUID("d835e99c-1228-5b17-ab71-379384a5bb7d")
    assert run_uuid("run-1") == uuid5(uuid5(NAMESPACE_URL, "assay:run"), "run-1")
    assert candidate_uuid("run-1", 0) == UUID("f19e6ab4-6ea7-5051-becf-34a13767f343")
    assert candidate_uuid("run-1", 1) == UUID("969d22b7-3235-51c8-b0cd-881e36bbbf42")
    assert candidate_uuid("run-1", 1) == uuid5(run_uuid("run-1"), "pull:1")


def test_evaluation_ids() -> None:
    assert evaluation_uuid("eval-1") == UUID("d7a57117-f37e-5f70-b393-9ab5f31112bf")
    assert evaluation_uuid("eval-1") == uuid5(uuid5(NAMESPACE_URL, "assay:evaluation"), "eval-1")
