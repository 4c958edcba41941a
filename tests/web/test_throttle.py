"""The sign-in throttle on its own (no server): the window, Retry-After, and a bounded memory."""

from __future__ import annotations

from web.throttle import LIMIT, MAX_CLIENTS, WINDOW_S, Throttle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limit_holds_until_the_oldest_failure_leaves_the_window() -> None:
    clock = Clock()
    throttle = Throttle(clock=clock)
    for _ in range(LIMIT - 1):
        throttle.failed("a")
        clock.now += 1
    assert throttle.wait("a") == 0  # LIMIT - 1 failures: the next try is still allowed
    throttle.failed("a")
    assert throttle.wait("a") == WINDOW_S - (LIMIT - 1) and throttle.wait("b") == 0
    clock.now += WINDOW_S - LIMIT + 0.5
    assert throttle.wait("a") == 1  # half a second to go: rounded up, never 0 while refused
    clock.now += 0.5
    assert throttle.wait("a") == 0  # the oldest failure has left the window; four remain


def test_a_flood_of_addresses_cannot_grow_it_without_bound() -> None:
    assert MAX_CLIENTS >= 1000
    clock = Clock()
    throttle = Throttle(max_clients=100, clock=clock)
    for i in range(5000):
        throttle.failed(f"10.0.{i // 256}.{i % 256}")
        throttle.failed(f"10.0.{i // 256}.{i % 256}")
    assert len(throttle) == 100
    assert all(len(times) <= LIMIT for times in throttle._failures.values())
    for _ in range(LIMIT * 3):
        throttle.failed("hammer")
    assert len(throttle._failures["hammer"]) == LIMIT and throttle.wait("hammer") > 0
    clock.now += WINDOW_S + 1
    throttle.failed("late")  # everyone else's failures are stale now: they make way at once
    assert len(throttle) == 1 and throttle.wait("hammer") == 0
