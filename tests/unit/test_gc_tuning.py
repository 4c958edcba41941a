"""A runtime's collector settings: applied once after start-up, and given back as they were."""

from __future__ import annotations

import gc

from app.gc_tuning import YOUNG_THRESHOLD, GcTuning


def test_apply_freezes_the_heap_and_raises_the_young_threshold_then_restore_gives_both_back() -> None:
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    tuning = GcTuning()
    try:
        tuning.apply()
        assert gc.get_threshold()[0] == max(YOUNG_THRESHOLD, before[0]) and gc.get_threshold()[1:] == before[1:]
        assert gc.get_freeze_count() > frozen
        tuning.apply()  # a second apply changes nothing and saves nothing over the first
        assert gc.get_threshold()[0] == max(YOUNG_THRESHOLD, before[0])
    finally:
        tuning.restore()
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    tuning.restore()  # restoring twice is harmless
    assert gc.get_threshold() == before


def test_two_runtimes_in_one_process_keep_the_settings_until_the_last_restores() -> None:
    before = gc.get_threshold()
    first, second = GcTuning(), GcTuning()
    try:
        first.apply()
        second.apply()
        first.restore()
        assert gc.get_threshold()[0] == max(YOUNG_THRESHOLD, before[0]) and gc.get_freeze_count() > 0
    finally:
        first.restore()
        second.restore()
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
