"""Every projection class, in a fixed order (what `assay rebuild` rebuilds)."""

from __future__ import annotations

from projections.base import Projection
from projections.checklist import Checklist
from projections.corpus import Corpus
from projections.dataset import Dataset
from projections.evaluations import Evaluations
from projections.gate_calibration import GateCalibration
from projections.reflection import Reflection
from projections.review_queue import ReviewQueue
from projections.run_stats import RunStats


def all_projections() -> tuple[type[Projection], ...]:
    """Every projection class, in a fixed order."""
    return (Dataset, ReviewQueue, Checklist, RunStats, Corpus, Evaluations, Reflection, GateCalibration)
