"""Client-side pacing: never more than Cloudflare's 1,200 requests per 5 minutes per credential.

A sliding window of reserved send times, owned by one client (every read of that client, fleet
reads included, shares it). When a response carries Cloudflare's ``Ratelimit`` header
(``"default";r=<remaining>;t=<seconds>``) and nothing remains, sending pauses until the reset, for
at most Cloudflare's window: a header cannot lock a credential out for longer.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Mapping

__all__ = ["CLOUDFLARE_LIMIT", "CLOUDFLARE_WINDOW_S", "RequestPacer"]

CLOUDFLARE_LIMIT = 1200
"""Requests Cloudflare allows one credential in :data:`CLOUDFLARE_WINDOW_S` seconds."""
CLOUDFLARE_WINDOW_S = 300.0
"""Cloudflare's rate-limit window, and its block after a breach: 5 minutes."""

# At most 9 digits a number: a longer one is no reading of Cloudflare's window and is ignored.
_RATELIMIT = re.compile(
    r"(?:^|;)\s*r=(?P<r>\d{1,9})\s*;\s*t=(?P<t>\d{1,9})(?!\d)|(?:^|;)\s*t=(?P<t2>\d{1,9})\s*;\s*r=(?P<r2>\d{1,9})(?!\d)"
)


class RequestPacer:
    """Reserves send times so that at most ``limit`` requests start in any ``window_s`` seconds.

    Times are on the caller's monotonic clock. Thread-safe.
    """

    def __init__(self, limit: int = CLOUDFLARE_LIMIT, window_s: float = CLOUDFLARE_WINDOW_S) -> None:
        self.limit = limit
        self.window_s = window_s
        self._sent: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def reserve(self, now: float, within_s: float = float("inf")) -> float:
        """Reserve a send slot; returns how many seconds to wait before sending (0 to send now).

        When the first free slot is ``within_s`` seconds away or more, nothing is reserved and that
        wait is returned, so the caller can give up without holding a slot it will not use.
        """
        with self._lock:
            while self._sent and self._sent[0] <= now - self.window_s:
                self._sent.popleft()
            at = max(now, self._paused_until)
            if len(self._sent) >= self.limit:
                at = max(at, self._sent[-self.limit] + self.window_s)
            if at - now < within_s:
                self._sent.append(at)
            return at - now

    def note_response(self, headers: Mapping[str, str], now: float) -> None:
        """Pause sending until the reset when the server says no requests remain."""
        match = _RATELIMIT.search(headers.get("ratelimit", "")[:200])
        if match is None:
            return
        remaining = int(match["r"] or match["r2"])
        reset_s = min(int(match["t"] or match["t2"]), self.window_s)
        if remaining == 0:
            with self._lock:
                self._paused_until = max(self._paused_until, now + reset_s)
