"""The fake's rate limiter: Cloudflare's sliding window per credential, with its ``Ratelimit`` headers."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from ._faults import Headers

__all__ = ["SlidingWindow"]


class SlidingWindow:
    """At most ``limit`` requests per credential in any ``window_s`` seconds (refusals don't count)."""

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window_s, self._clock = limit, window_s, clock
        self._hits: dict[tuple[str, ...], deque[float]] = {}

    def hit(self, identity: tuple[str, ...]) -> tuple[bool, Headers]:
        """Count one request; return whether it is allowed and the rate-limit headers to send."""
        now = self._clock()
        hits = self._hits.setdefault(identity, deque())
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        allowed = len(hits) < self.limit
        if allowed:
            hits.append(now)
        reset_s = math.ceil(hits[0] + self.window_s - now) if hits else 0
        headers: Headers = (
            ("Ratelimit", f'"default";r={self.limit - len(hits)};t={reset_s}'),
            ("Ratelimit-Policy", f'"default";q={self.limit};w={math.ceil(self.window_s)}'),
        )
        if not allowed:
            headers += (("Retry-After", str(max(reset_s, 1))),)
        return allowed, headers
