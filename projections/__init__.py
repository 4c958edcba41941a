"""Read models rebuilt from the ledger (never from the bus), each tracked by its position.

from projections import Checklist, catch_up
view = catch_up(ledger, tracking, Checklist)   # resume at the tracked position
view.items("ground_truth"), view.version("ground_truth")
"""

from projections.checklist import Checklist
from projections.corpus import Corpus
from projections.dataset import Dataset
from projections.reflection import Reflection
from projections.review_queue import ReviewQueue
from projections.run_stats import RunStats
from projections.runner import Projection, all_projections, catch_up, rebuild, rebuild_all

ALL: tuple[type[Projection], ...] = all_projections()

__all__ = [
    "ALL",
    "Checklist",
    "Corpus",
    "Dataset",
    "Projection",
    "Reflection",
    "ReviewQueue",
    "RunStats",
    "all_projections",
    "catch_up",
    "rebuild",
    "rebuild_all",
]
