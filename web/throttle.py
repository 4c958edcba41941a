"""Failed sign-ins per client, in this process's memory: too many in a window and the client waits.

A failure is a wrong token: on the sign-in form, or in `Authorization: Bearer` on the API (one count for
both). After ``LIMIT`` failures within ``WINDOW_S`` seconds, the client's sign-ins and API calls are answered
429 with Retry-After, without looking at the token, until the oldest of those failures leaves the window. A
success resets nothing (a reviewer with a good token could otherwise keep guessing others'). At most
``MAX_CLIENTS`` clients are remembered, so a flood of addresses cannot grow it without bound: when full, the
client whose last failure is oldest is forgotten first.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from starlette.requests import Request

LIMIT = 5  # failed sign-ins per client within the window; the next attempt is refused with 429
WINDOW_S = 60.0  # seconds a failure counts for
MAX_CLIENTS = 10_000  # clients remembered at once (each holds at most LIMIT timestamps)


class Throttle:
    """Failure times per client, oldest first; ``wait(client)`` says how long the client must wait (0: go)."""

    def __init__(
        self,
        limit: int = LIMIT,
        window_s: float = WINDOW_S,
        max_clients: int = MAX_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.window_s, self.max_clients, self.clock = limit, window_s, max_clients, clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()  # by last failure, oldest first
        self._lock = threading.Lock()

    def wait(self, client: str) -> int:
        """Whole seconds until ``client`` may try again (0 when it may now)."""
        with self._lock:
            now = self.clock()
            times = self._failures.get(client)
            if times is None:
                return 0
            while times and times[0] <= now - self.window_s:
                times.popleft()
            if not times:
                del self._failures[client]
                return 0
            if len(times) < self.limit:
                return 0
            return max(1, math.ceil(times[0] + self.window_s - now))

    def failed(self, client: str) -> None:
        """Count a failed sign-in by ``client``."""
        with self._lock:
            now = self.clock()
            times = self._failures.pop(client, None)
            if times is None:
                self._make_room(now)
                times = deque(maxlen=self.limit)  # older failures than the last LIMIT never decide anything
            times.append(now)
            self._failures[client] = times  # to the end: the most recent failure

    def _make_room(self, now: float) -> None:
        # Ordered by last failure: the stale ones are at the front, so this stops at the first live client.
        while self._failures:
            oldest, times = next(iter(self._failures.items()))
            if times[-1] > now - self.window_s and len(self._failures) < self.max_clients:
                return
            del self._failures[oldest]

    def __len__(self) -> int:
        return len(self._failures)

    def clear(self) -> None:
        with self._lock:
            self._failures.clear()


def client_of(request: Request, trusted_proxies: int = 0) -> str:
    """Who is asking: the peer address, or behind ``trusted_proxies`` proxies the X-Forwarded-For entry the
    outermost of them added (counted from the right: entries further left are whatever the client sent)."""
    peer = request.client.host if request.client else "unknown"
    if trusted_proxies <= 0:
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    return hops[max(0, len(hops) - trusted_proxies)] if hops else peer
