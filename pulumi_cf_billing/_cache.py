"""Single-flight cache: one request per key within a short TTL, shared by every caller.

Concurrent callers, threads and asyncio tasks alike, wait for the one request in flight.
Successes are kept for ``ttl_s`` seconds; failures are shared only with the callers that
were already waiting, never kept, so the next call tries again.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Hashable
from concurrent.futures import Future
from typing import Generic, TypeVar

__all__ = ["SingleFlightCache"]

T = TypeVar("T")


class SingleFlightCache(Generic[T]):
    """Maps a key to one shared result. ``clock`` is a monotonic clock in seconds."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._entries: dict[Hashable, tuple[Future[T], float]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, ttl_s: float, compute: Callable[[], T]) -> T:
        """The cached or in-flight result for ``key``, else ``compute()`` shared with concurrent callers."""
        if ttl_s <= 0:
            return compute()
        future, owner = self._claim(key, ttl_s)
        if owner:
            self._settle(key, future, compute)
        return future.result()

    async def get_async(self, key: Hashable, ttl_s: float, compute: Callable[[], Awaitable[T]]) -> T:
        """Like :meth:`get`, for a coroutine function."""
        if ttl_s <= 0:
            return await compute()
        future, owner = self._claim(key, ttl_s)
        if owner:
            try:
                future.set_result(await compute())
            except BaseException as error:
                self._fail(key, future, error)
        return await asyncio.wrap_future(future)

    def clear(self) -> None:
        """Forget every entry (in-flight requests still complete for their waiters)."""
        with self._lock:
            self._entries.clear()

    def _claim(self, key: Hashable, ttl_s: float) -> tuple[Future[T], bool]:
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and (not entry[0].done() or entry[1] > now):
                return entry[0], False
            future: Future[T] = Future()
            self._entries[key] = (future, now + ttl_s)
            return future, True

    def _settle(self, key: Hashable, future: Future[T], compute: Callable[[], T]) -> None:
        try:
            future.set_result(compute())
        except BaseException as error:
            self._fail(key, future, error)

    def _fail(self, key: Hashable, future: Future[T], error: BaseException) -> None:
        with self._lock:
            if self._entries.get(key, (None, 0.0))[0] is future:
                del self._entries[key]
        future.set_exception(error)
