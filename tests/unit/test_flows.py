"""Per-step profiles: mean pass@k per step, the end-to-end product, loss shares and the weakest steps."""

from __future__ import annotations

import math

import pytest
from rich.console import Console

from app.report.flow_plot import plot_profile
from app.report.flow_text import print_profiles, summary_line
from domain.flows import step_profile

ROWS = [("tool call", 2, 4, 1), ("plan", 0, 4, 4), ("retrieve", 1, 4, 4), ("plan", 0, 4, 2)]


def test_steps_follow_the_workflow_order_with_mean_unbiased_pass_at_k() -> None:
    prof = step_profile("m", ROWS, [1, 2])
    assert prof.model == "m"
    assert [(s.step, s.step_index, s.items) for s in prof.steps] == [
        ("plan", 0, 2),
        ("retrieve", 1, 1),
        ("tool call", 2, 1),
    ]
    plan, retrieve, tool = prof.steps
    assert plan.pass_at_k == {"1": 0.75, "2": pytest.approx((1 + 5 / 6) / 2, abs=1e-6)}  # 1 - C(2,2)/C(4,2)
    assert retrieve.pass_at_k == {"1": 1.0, "2": 1.0}
    assert tool.pass_at_k == {"1": 0.25, "2": 0.5}  # 1 - C(3,2)/C(4,2)


def test_end_to_end_is_the_product_of_the_steps() -> None:
    prof = step_profile("m", ROWS, [1, 2])
    assert prof.end_to_end["1"] == pytest.approx(0.75 * 1.0 * 0.25)
    assert prof.end_to_end["2"] == pytest.approx((11 / 12) * 1.0 * 0.5, abs=1e-6)


def test_loss_shares_and_the_weakest_steps() -> None:
    prof = step_profile("m", ROWS, [1])
    total = -math.log(0.75) - math.log(0.25)
    shares = {s.step: s.loss_share for s in prof.steps}
    assert shares == {
        "plan": pytest.approx(-math.log(0.75) / total, abs=1e-6),
        "retrieve": 0.0,
        "tool call": pytest.approx(-math.log(0.25) / total, abs=1e-6),
    }
    assert sum(shares.values()) == pytest.approx(1.0, abs=1e-5)
    assert prof.weakest == ["tool call"]  # 0.83 of the loss on its own


def test_two_collapsing_steps_share_the_loss_worst_first() -> None:
    rows = [("plan", 0, 10, 6), ("handoff", 5, 10, 4), ("tool call", 2, 10, 5), ("report", 6, 10, 10)]
    prof = step_profile("m", rows, [1])
    losses = {"plan": -math.log(0.6), "tool call": -math.log(0.5), "handoff": -math.log(0.4)}
    assert losses["handoff"] / sum(losses.values()) < 0.5
    assert prof.weakest == ["handoff", "tool call"]  # neither owns half alone; together they do
    assert [s.step for s in prof.steps] == ["plan", "tool call", "handoff", "report"]


def test_a_step_nobody_passes_has_a_floored_loss() -> None:
    prof = step_profile("m", [("plan", 0, 5, 5), ("handoff", 1, 5, 0), ("report", 2, 5, 4)], [1])
    assert prof.end_to_end["1"] == 0.0
    handoff = prof.steps[1]
    assert handoff.loss_share == pytest.approx(-math.log(1e-3) / (-math.log(1e-3) - math.log(0.8)), abs=1e-6)
    assert prof.weakest == ["handoff"]


def test_a_step_with_no_items_is_listed_but_left_out_of_the_product() -> None:
    rows = [("plan", 0, 4, 3), ("write", 4, 0, 0), ("retrieve", 1, 4, 2)]
    prof = step_profile("m", rows, [1])
    write = prof.steps[-1]
    assert (write.step, write.items, write.pass_at_k, write.loss_share) == ("write", 0, {}, 0.0)
    assert prof.end_to_end == {"1": pytest.approx(0.75 * 0.5)}
    assert "write" not in prof.weakest


def test_empty_and_perfect_profiles() -> None:
    empty = step_profile("m", [], [1, 5])
    assert (empty.steps, empty.end_to_end, empty.weakest) == ([], {}, [])
    perfect = step_profile("m", [("plan", 0, 3, 3), ("report", 1, 3, 3)], [1])
    assert perfect.end_to_end == {"1": 1.0} and perfect.weakest == []
    assert all(s.loss_share == 0.0 for s in perfect.steps)


def test_a_k_larger_than_an_items_n_skips_that_item() -> None:
    prof = step_profile("m", [("plan", 0, 5, 1), ("plan", 0, 1, 1), ("report", 1, 1, 0)], [1, 5])
    plan, report = prof.steps
    assert plan.pass_at_k == {"1": pytest.approx((0.2 + 1.0) / 2), "5": 1.0}  # only the n=5 item counts at k=5
    assert report.pass_at_k == {"1": 0.0}
    assert "5" not in prof.end_to_end  # a step without pass@5 leaves the product undefined


def test_text_and_plot() -> None:
    profiles = [step_profile("local/strong", ROWS, [1, 2]), step_profile("local/weak", ROWS[:2], [1, 2])]
    console = Console(record=True, width=120)
    print_profiles(profiles, console)
    text = console.export_text()
    assert "Per-step profile: local/strong" in text and "pass@2" in text and "loss share" in text
    assert "end-to-end pass@1 = 0.75 × 1.00 × 0.25 = 0.188; steps owning most of the loss: tool call" in text
    assert summary_line(step_profile("m", [("a", 0, 0, 0)], [1])).startswith("end-to-end pass@1 = n/a")
    png = plot_profile(profiles)
    assert png.startswith(b"\x89PNG") and len(png) > 5000
    assert plot_profile([]).startswith(b"\x89PNG")


def test_of_two_equally_weak_steps_the_first_alone_owns_half() -> None:
    prof = step_profile("m", [("plan", 0, 2, 1), ("act", 1, 2, 1), ("report", 2, 1, 1)], [1])
    assert [s.loss_share for s in prof.steps] == [0.5, 0.5, 0.0]
    assert prof.weakest == ["plan"]  # at least half: one step is enough, ties go to the earlier step


def test_figures_are_rounded_to_six_places() -> None:
    prof = step_profile("m", [("plan", 0, 3, 1), ("act", 1, 3, 2)], [1])
    plan, act = prof.steps
    assert plan.pass_at_k == {"1": 0.333333} and act.pass_at_k == {"1": 0.666667}
    assert prof.end_to_end == {"1": round(0.333333 * 0.666667, 6)}  # the product of the rounded step figures
    assert plan.loss_share == round(math.log(3) / (math.log(3) + math.log(3 / 2)), 6)


def test_an_unmeasured_step_between_measured_ones_leaves_the_later_steps_measured() -> None:
    prof = step_profile("m", [("plan", 0, 4, 3), ("write", 1, 0, 0), ("retrieve", 2, 4, 2)], [1])
    assert [(s.step, s.items, s.pass_at_k) for s in prof.steps] == [
        ("plan", 1, {"1": 0.75}),
        ("write", 0, {}),
        ("retrieve", 1, {"1": 0.5}),
    ]


def test_a_small_total_loss_is_still_shared_out() -> None:
    # -log(0.75) is about 0.29: the only lossy step owns all of it
    prof = step_profile("m", [("plan", 0, 4, 3), ("retrieve", 1, 4, 4)], [1])
    assert [s.loss_share for s in prof.steps] == [1.0, 0.0]
    assert prof.weakest == ["plan"]


def test_items_count_every_measured_row_whatever_its_result() -> None:
    prof = step_profile("m", [("plan", 0, 1, 0), ("plan", 0, 1, 1), ("plan", 0, 0, 0)], [1])
    assert prof.steps[0].items == 2 and prof.steps[0].pass_at_k == {"1": 0.5}
