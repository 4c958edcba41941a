"""Run policy: how many levers to pull now, and when a run is done. Pure functions of run state."""

from __future__ import annotations

from dataclasses import dataclass

from domain.facts import Policy


@dataclass(frozen=True)
class RunState:
    """The numbers the policy decides on."""

    attempts: int
    in_flight: int
    queued: int
    cost_usd: float


@dataclass(frozen=True)
class Decision:
    pull: int
    done_reason: str | None = None


def attempt_ceiling(policy: Policy) -> int:
    """The most lever pulls a run may make."""
    if policy.mode == "attempts":
        return policy.target
    return policy.max_attempts if policy.max_attempts is not None else max(policy.target * 20, 20)


def decide(policy: Policy, state: RunState) -> Decision:
    """How many levers to pull now; ``done_reason`` is set when the run should complete."""
    over_budget = policy.max_cost is not None and state.cost_usd >= policy.max_cost
    ceiling = attempt_ceiling(policy)
    if policy.mode == "until_accepted" and state.queued >= policy.target:
        stop = f"accepted target reached ({state.queued}/{policy.target})"
    elif over_budget:
        stop = f"spend cap reached (${state.cost_usd:.4f} >= ${policy.max_cost:.4f})"
    elif state.attempts >= ceiling:
        stop = f"attempts done ({state.attempts}/{ceiling})"
    else:
        stop = None
    if stop is not None:
        return Decision(pull=0, done_reason=stop if state.in_flight == 0 else None)
    window = max(policy.concurrency - state.in_flight, 0)
    remaining = ceiling - state.attempts
    if policy.mode == "until_accepted":
        # Each candidate in flight may still be accepted: do not overshoot the target.
        remaining = min(remaining, policy.target - state.queued - state.in_flight)
    return Decision(pull=max(min(window, remaining), 0))
