"""Run policy: how many levers to pull now, and when a run is done."""

from __future__ import annotations

import itertools

import pytest

from domain.facts import Policy
from domain.policy import Decision, RunState, attempt_ceiling, decide


def state(attempts: int = 0, in_flight: int = 0, queued: int = 0, cost: float = 0.0) -> RunState:
    return RunState(attempts=attempts, in_flight=in_flight, queued=queued, cost_usd=cost)


# --- attempts mode -----------------------------------------------------------------------------


def test_attempts_window_is_the_concurrency_at_start() -> None:
    assert decide(Policy(mode="attempts", target=10, concurrency=4), state()) == Decision(pull=4)


def test_attempts_window_shrinks_with_in_flight() -> None:
    policy = Policy(mode="attempts", target=10, concurrency=4)
    assert decide(policy, state(attempts=3, in_flight=3)).pull == 1
    assert decide(policy, state(attempts=4, in_flight=4)) == Decision(pull=0)
    # more in flight than the window (e.g. concurrency lowered): never negative
    assert decide(policy, state(attempts=6, in_flight=6)) == Decision(pull=0)


def test_attempts_window_limited_by_remaining() -> None:
    policy = Policy(mode="attempts", target=10, concurrency=4)
    assert decide(policy, state(attempts=8, in_flight=0)).pull == 2
    assert decide(policy, state(attempts=9, in_flight=1)).pull == 1


def test_attempts_done_waits_for_in_flight() -> None:
    policy = Policy(mode="attempts", target=10, concurrency=4)
    assert decide(policy, state(attempts=10, in_flight=2, queued=3)) == Decision(pull=0, done_reason=None)
    done = decide(policy, state(attempts=10, in_flight=0, queued=3))
    assert done.pull == 0
    assert done.done_reason is not None and "attempts done" in done.done_reason
    assert "10/10" in done.done_reason


def test_attempts_mode_ignores_queued_count() -> None:
    policy = Policy(mode="attempts", target=5, concurrency=2)
    assert decide(policy, state(attempts=2, queued=2)).pull == 2


def test_attempts_mode_simulation_pulls_exactly_target() -> None:
    policy = Policy(mode="attempts", target=7, concurrency=3)
    attempts = in_flight = 0
    for _ in range(100):
        d = decide(policy, state(attempts, in_flight))
        if d.done_reason:
            break
        assert d.pull <= policy.concurrency - in_flight
        attempts += d.pull
        in_flight += d.pull
        in_flight -= min(in_flight, 2)  # two settle per tick
    assert attempts == 7
    assert in_flight == 0


# --- until_accepted ----------------------------------------------------------------------------


def test_until_accepted_never_overshoots_given_in_flight() -> None:
    policy = Policy(mode="until_accepted", target=3, concurrency=8)
    assert decide(policy, state()).pull == 3
    assert decide(policy, state(attempts=2, in_flight=2)).pull == 1
    assert decide(policy, state(attempts=3, in_flight=1, queued=2)).pull == 0
    assert decide(policy, state(attempts=5, in_flight=0, queued=2)).pull == 1


@pytest.mark.parametrize(("target", "concurrency"), [(1, 1), (3, 2), (5, 8), (10, 4)])
def test_until_accepted_pulls_plus_queued_never_exceed_target(target: int, concurrency: int) -> None:
    policy = Policy(mode="until_accepted", target=target, concurrency=concurrency)
    for queued, in_flight in itertools.product(range(target + 2), range(concurrency + 3)):
        d = decide(policy, state(attempts=queued + in_flight, in_flight=in_flight, queued=queued))
        assert d.pull >= 0
        assert queued + in_flight + d.pull <= max(target, queued + in_flight)
        assert in_flight + d.pull <= max(concurrency, in_flight)


def test_until_accepted_done_when_target_reached_and_idle() -> None:
    policy = Policy(mode="until_accepted", target=3, concurrency=4)
    assert decide(policy, state(attempts=5, in_flight=1, queued=3)) == Decision(pull=0)
    done = decide(policy, state(attempts=6, in_flight=0, queued=3))
    assert done.pull == 0
    assert done.done_reason is not None and "accepted target reached" in done.done_reason
    assert "3/3" in done.done_reason


def test_until_accepted_stops_at_max_attempts() -> None:
    policy = Policy(mode="until_accepted", target=5, concurrency=4, max_attempts=6)
    assert attempt_ceiling(policy) == 6
    assert decide(policy, state(attempts=4, in_flight=0, queued=1)).pull == 2
    assert decide(policy, state(attempts=6, in_flight=1, queued=1)) == Decision(pull=0)
    done = decide(policy, state(attempts=6, in_flight=0, queued=1))
    assert done.done_reason is not None and "attempts done" in done.done_reason
    assert "6/6" in done.done_reason


def test_until_accepted_has_a_finite_default_ceiling() -> None:
    policy = Policy(mode="until_accepted", target=3, concurrency=2)
    ceiling = attempt_ceiling(policy)
    assert ceiling >= policy.target
    # a run where every candidate is rejected still completes
    attempts = 0
    while True:
        d = decide(policy, state(attempts=attempts))
        if d.done_reason:
            break
        assert d.pull > 0
        attempts += d.pull
    assert attempts == ceiling
    assert "attempts done" in d.done_reason


def test_attempts_ceiling_is_the_target() -> None:
    assert attempt_ceiling(Policy(mode="attempts", target=12)) == 12


# --- spend cap ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["attempts", "until_accepted"])
def test_spend_cap_stops_pulling_and_completes_when_idle(mode: str) -> None:
    policy = Policy(mode=mode, target=10, concurrency=4, max_cost=1.0)  # type: ignore[arg-type]
    assert decide(policy, state(attempts=2, in_flight=0, cost=0.99)).pull == 4
    assert decide(policy, state(attempts=4, in_flight=2, cost=1.0)) == Decision(pull=0, done_reason=None)
    assert decide(policy, state(attempts=4, in_flight=2, cost=1.5)) == Decision(pull=0, done_reason=None)
    done = decide(policy, state(attempts=4, in_flight=0, cost=1.25))
    assert done.pull == 0
    assert done.done_reason is not None and "spend cap" in done.done_reason
    assert "1.2500" in done.done_reason and "1.0000" in done.done_reason


def test_no_spend_cap_means_no_limit() -> None:
    policy = Policy(mode="attempts", target=10, concurrency=4, max_cost=None)
    assert decide(policy, state(attempts=1, cost=1e9)).pull == 4


def test_reaching_the_target_is_reported_before_the_spend_cap() -> None:
    policy = Policy(mode="until_accepted", target=2, concurrency=4, max_cost=1.0)
    done = decide(policy, state(attempts=3, queued=2, cost=5.0))
    assert done.done_reason is not None and "accepted target reached" in done.done_reason


def test_idle_runs_always_make_progress() -> None:
    # liveness: with nothing in flight a run either pulls or completes, never waits forever
    for mode, target, concurrency, max_cost in itertools.product(
        ["attempts", "until_accepted"], [1, 3], [1, 4], [None, 0.5]
    ):
        policy = Policy(mode=mode, target=target, concurrency=concurrency, max_cost=max_cost)  # type: ignore[arg-type]
        for attempts, queued, cost in itertools.product(range(0, 70, 7), range(4), [0.0, 0.7]):
            d = decide(policy, state(attempts=attempts, queued=min(queued, attempts), cost=cost))
            assert d.pull > 0 or d.done_reason, (policy, attempts, queued, cost)


@pytest.mark.parametrize(("target", "ceiling"), [(1, 20), (3, 60), (7, 140)])
def test_until_accepted_default_ceiling_is_twenty_pulls_per_wanted_point(target: int, ceiling: int) -> None:
    # no max_attempts: 20 attempts for every point wanted, never fewer than 20
    assert attempt_ceiling(Policy(mode="until_accepted", target=target)) == ceiling
    assert attempt_ceiling(Policy(mode="until_accepted", target=0)) == 20


def test_max_attempts_bounds_until_accepted_only() -> None:
    assert attempt_ceiling(Policy(mode="until_accepted", target=3, max_attempts=100)) == 100
    assert attempt_ceiling(Policy(mode="attempts", target=3, max_attempts=100)) == 3
