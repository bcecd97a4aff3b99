"""Single-flight cache: one request per key within a TTL, shared by the callers of one cache object.

Concurrent callers, threads and asyncio tasks alike, wait for the one request in flight.
Successes are kept for ``ttl_s`` seconds; failures are shared only with the callers that were
already waiting, never kept, so the next call tries again.

Cancellation-safe: the read of an async caller runs as a task of its own, so cancelling any caller
(or its ``wait_for`` timing out) never cancels the read for the others. A sync caller interrupted
mid-read (``KeyboardInterrupt``) gives the read up; the callers waiting on it start their own.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Hashable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Generic, TypeVar

__all__ = ["PROGRAM_RUN_CACHES", "CachesByOwner", "SingleFlightCache"]

T = TypeVar("T")


class _Abandoned(Exception):
    """The caller doing the read was interrupted: nobody will settle this future, so claim again."""


class SingleFlightCache(Generic[T]):
    """Maps a key to one shared result. ``clock`` is a monotonic clock in seconds."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._entries: dict[Hashable, tuple[Future[T], float]] = {}
        self._lock = threading.Lock()
        self._tasks: set[asyncio.Task[None]] = set()  # strong references to reads in flight

    def get(self, key: Hashable, ttl_s: float, compute: Callable[[], T]) -> T:
        """The cached or in-flight result for ``key``, else ``compute()`` shared with concurrent callers."""
        if ttl_s <= 0:
            return compute()
        while True:
            future, owner = self._claim(key, ttl_s)
            if owner:
                self._settle(key, future, compute)
            try:
                return future.result()
            except _Abandoned:
                continue

    async def get_async(self, key: Hashable, ttl_s: float, compute: Callable[[], Awaitable[T]]) -> T:
        """Like :meth:`get`, for a coroutine function."""
        if ttl_s <= 0:
            return await compute()
        while True:
            future, owner = self._claim(key, ttl_s)
            if owner:
                task = asyncio.ensure_future(self._settle_async(key, future, compute))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            try:
                # shield: a cancelled caller must not cancel the shared future under the others.
                return await asyncio.shield(asyncio.wrap_future(future))
            except _Abandoned:
                continue

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
        with self._settling(key, future) as done:
            done(compute())

    async def _settle_async(self, key: Hashable, future: Future[T], compute: Callable[[], Awaitable[T]]) -> None:
        with self._settling(key, future) as done:
            done(await compute())

    @contextmanager
    def _settling(self, key: Hashable, future: Future[T]) -> Iterator[Callable[[T], None]]:
        """The one rule for both: a value or an error is shared; an interruption abandons the read, then re-raises."""
        try:
            yield future.set_result
        except Exception as error:
            self._fail(key, future, error)
        except BaseException:
            self._fail(key, future, _Abandoned())
            raise

    def _fail(self, key: Hashable, future: Future[T], error: BaseException) -> None:
        with self._lock:
            if self._entries.get(key, (None, 0.0))[0] is future:
                del self._entries[key]
        future.set_exception(error)


class CachesByOwner:
    """One :class:`SingleFlightCache` per owner object, kept only as long as the owner lives (a weak key).

    The Pulumi surface keys the readings of a program run by the run's root stack resource, so the
    next run (a new root) reads again; tests call :meth:`forget` between tests that reuse a root.
    """

    def __init__(self) -> None:
        self._caches: weakref.WeakKeyDictionary[object, SingleFlightCache[object]] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def for_owner(self, owner: object) -> SingleFlightCache[object]:
        """The cache of ``owner``, made on first use."""
        with self._lock:
            cache = self._caches.get(owner)
            if cache is None:
                cache = self._caches[owner] = SingleFlightCache(time.monotonic)
            return cache

    def forget(self) -> None:
        """Drop every owner's cache: the next read of each owner asks again."""
        with self._lock:
            self._caches.clear()


PROGRAM_RUN_CACHES = CachesByOwner()
"""The readings each Pulumi program run shares, by the run's root stack resource (see ``_pulumi/_program.py``)."""
