"""Deterministic identifiers: one lever pull can only ever name one candidate."""

from uuid import NAMESPACE_URL, UUID, uuid5

_RUNS = uuid5(NAMESPACE_URL, "assay:run")


def run_uuid(run_id: str) -> UUID:
    """The aggregate id of the run called ``run_id``."""
    return uuid5(_RUNS, run_id)


def candidate_uuid(run_id: str, index: int) -> UUID:
    """The aggregate id of the candidate made by lever pull ``index`` of ``run_id``."""
    return uuid5(run_uuid(run_id), f"pull:{index}")
