"""`assay eval`'s progress: ``sample_all`` tells its callback (done, total) once per completed sample."""

from __future__ import annotations

from adapters.llm import LLM
from app.evaluate import Plan, sample_all

MODELS = ["local/solver-strong", "local/solver-mid"]


def _plan(n_points: int, models: list[str], n: int) -> Plan:
    points = [
        {
            "candidate_id": f"c{i}",
            "recipe": "ground_truth",
            "payload": {"prompt": f"What is {i} + 2?", "answer": str(i + 2)},
        }
        for i in range(n_points)
    ]
    return Plan(
        eval_id="e1", dataset="s", recipe="ground_truth", models=models, n=n, ks=[1], points=points, concurrency=3
    )


async def test_progress_counts_every_sample_once() -> None:
    plan = _plan(3, MODELS, 4)
    calls: list[tuple[int, int]] = []
    got = await sample_all(plan, LLM(), {}, progress=lambda done, total: calls.append((done, total)))

    total = 3 * len(MODELS) * 4
    assert sum(len(attempts) for attempts in got.values()) == total
    # One call per sample, the preflight's included: done counts up by one and the total never changes, so the
    # last call is (total, total) and no call reaches it twice.
    assert calls == [(done, total) for done in range(1, total + 1)]


async def test_no_callback_is_fine() -> None:
    got = await sample_all(_plan(1, MODELS[:1], 1), LLM(), {})
    assert [len(a) for a in got.values()] == [1]
