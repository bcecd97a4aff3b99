"""The clients: :class:`BillingClient` (sync) and :class:`AsyncBillingClient`, reading every billing endpoint.

Both are thin drivers of one code path (:func:`._flow.read_endpoint`), and read every endpoint of the
table (:mod:`._endpoints`) through one method, ``read``; they differ only in the connection pool and
the sleep they use. Each client owns its state: its connection pool, its
rate-limit pacer and, with ``cache_ttl_s`` > 0, its single-flight cache. Two clients never share
a reading.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterable, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._cache import SingleFlightCache
from ._config import environment_layer, resolve_account_id, resolve_settings, validate_account_id
from ._credentials import Credentials
from ._endpoints import BALANCE_ENDPOINT, SPENDING_LIMIT_ENDPOINT, USAGE_ENDPOINT, Endpoint
from ._exceptions import ClientClosedError, CloudflareBillingError, ConfigurationError
from ._flow import Flow, drive, drive_async, read_endpoint
from ._models import CreditBalance, SpendingLimit, UsageHistory
from ._pacing import RequestPacer
from ._protocol import build_request
from ._results import Call
from ._retry import RetryPolicy, Timeout

__all__ = ["AsyncBillingClient", "AsyncCreditBalanceClient", "BillingClient", "CreditBalanceClient"]

DEFAULT_CACHE_TTL_S = 0.0
FLEET_POOL_SIZE = 8

if TYPE_CHECKING:
    import httpcore

# The transport (httpcore, h11, anyio: about 25 ms of imports) loads on the first request, in the
# methods below: a program that only declares a guard, or a CLI call that fails validation, never pays.
P = TypeVar("P")
T = TypeVar("T")


class _BaseClient(Generic[P]):
    """Configuration shared by both clients; resolves everything before any request."""

    def __init__(
        self,
        *,
        account_id: str | None = None,
        api_token: str | None = None,
        api_key: str | None = None,
        email: str | None = None,
        credentials: Credentials | None = None,
        base_url: str | None = None,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        cache_ttl_s: float = DEFAULT_CACHE_TTL_S,
        cache: SingleFlightCache[object] | None = None,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Any] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        arguments = {"api_token": api_token, "api_key": api_key, "email": email, "base_url": base_url}
        settings = resolve_settings(arguments, environment_layer(env), credentials=credentials)
        self.credentials, self.base_url = settings.credentials, settings.base_url
        self.default_account_id = resolve_account_id({"account_id": account_id}, environment_layer(env))
        self.timeout = timeout if isinstance(timeout, Timeout) else Timeout() if timeout is None else Timeout(timeout)
        self.retry = retry or RetryPolicy()
        if isinstance(cache_ttl_s, bool) or not isinstance(cache_ttl_s, (int, float)) or math.isnan(cache_ttl_s):
            raise ConfigurationError(f"cache_ttl_s must be a number of seconds; got {cache_ttl_s!r}.")
        self.cache_ttl_s = cache_ttl_s
        self._environ = env
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311  # backoff jitter, not cryptography
        self._cache: SingleFlightCache[object] = cache or SingleFlightCache(clock)
        self._fingerprint = self.credentials.fingerprint  # a SHA-256 per read would cost more than the cache saves
        self._pacer = RequestPacer()
        self._pool: P | None = None
        self._pool_lock = threading.Lock()
        self._closed = False

    def _ensure_open(self) -> None:
        if self._closed:
            raise ClientClosedError(
                f"This {type(self).__name__} was closed: make a new client, or read before closing it."
            )

    def _connections(self) -> P:
        """The connection pool, opened on first use (a read answered from the cache needs none)."""
        with self._pool_lock:
            self._ensure_open()
            if self._pool is None:
                self._pool = self._open_pool()
            return self._pool

    def _open_pool(self) -> P:
        raise NotImplementedError

    def _take_pool(self) -> P | None:
        """Mark the client closed and hand over its pool, if it opened one, to be closed."""
        with self._pool_lock:
            self._closed, pool, self._pool = True, self._pool, None
            return pool

    def _prepare(self, account_id: str | None, call: Call[T]) -> tuple[str, Hashable, Flow[T]]:
        """Validate the account and build the call's cache key and read flow, with no I/O."""
        self._ensure_open()
        account = validate_account_id(account_id or self.default_account_id)
        request = build_request(account, self.credentials, self.base_url, call.endpoint, dict(call.query))
        flow = read_endpoint(
            request, account, read=call.read, timeout=self.timeout, retry=self.retry,
            clock=self._clock, rng=self._rng, pacer=self._pacer,
        )  # fmt: skip
        return account, (call.endpoint, call.query, account, self._fingerprint, self.base_url), flow

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, credentials={self.credentials!r})"


class BillingClient(_BaseClient["httpcore.ConnectionPool"]):
    """Reads AI Gateway billing synchronously: the credit balance, the usage history and the spending limit.

    Credentials: ``api_token``, or ``api_key`` + ``email``, or ``credentials``; else the
    environment (``CLOUDFLARE_API_TOKEN``, or ``CLOUDFLARE_API_KEY`` + ``CLOUDFLARE_EMAIL``).
    ``base_url`` defaults to ``CLOUDFLARE_BASE_URL``, then ``https://api.cloudflare.com/client/v4``;
    ``account_id`` to ``CLOUDFLARE_ACCOUNT_ID``. ``timeout`` is the overall deadline of one read in
    seconds (default 30), or a :class:`Timeout`: it bounds everything, connect, headers, body,
    retries and waits, whatever the server does. ``cache_ttl_s`` (default 0: every call reads) keeps
    a reading that long for this client only, and makes concurrent reads of one account share one
    request; ``cache`` (keyword-only, a :class:`SingleFlightCache`) is the cache to keep them in,
    for clients that are meant to share readings (default: a cache of this client's own). ``clock``
    (monotonic seconds), ``sleep`` and ``rng`` are injectable for tests (``sleep`` is awaited by the
    async client). A proxy from ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY`` is used,
    except for a loopback base URL. Raises :class:`ConfigurationError` (such as
    :class:`MissingCredentialsError`) now, before any request, for unusable settings.
    """

    def _open_pool(self) -> httpcore.ConnectionPool:
        from ._transport import open_pool  # noqa: PLC0415  # see the note at P

        return open_pool(self.base_url, self._environ)

    def read(self, endpoint: Endpoint[T], account_id: str | None = None, **arguments: Any) -> T:
        """Read ``endpoint`` of ``account_id`` (default: the client's account), with the ``arguments`` its query takes.

        The one read under :meth:`get`, :meth:`get_usage_history` and :meth:`get_spending_limit`: same
        deadline, retries, pacing, cache and errors (:class:`APIError` subclasses).
        """
        from ._transport import performer  # noqa: PLC0415  # see the note at P

        call = endpoint.call(**arguments)
        account, key, flow = self._prepare(account_id, call)
        sleep = self._sleep or time.sleep
        cache: SingleFlightCache[T] = self._cache  # type: ignore[assignment]  # one cache, keyed by call too
        return cache.get(key, self.cache_ttl_s, lambda: drive(flow, performer(self._connections(), account, sleep)))

    def get(self, account_id: str | None = None) -> CreditBalance:
        """The credit balance of ``account_id`` (default: the client's account). Raises :class:`APIError` subclasses."""
        return self.read(BALANCE_ENDPOINT, account_id)

    def get_usage_history(
        self,
        account_id: str | None = None,
        *,
        window: str = "day",
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> UsageHistory:
        """AI Gateway usage cost per ``window`` (``day`` or ``hour``) from ``start`` to ``end`` (aware datetimes).

        Each bucket's ``spend_usd`` is in US dollars. Same deadline, retries, pacing and errors as :meth:`get`.
        """
        return self.read(USAGE_ENDPOINT, account_id, window=window, start=start, end=end)

    def get_spending_limit(self, account_id: str | None = None) -> SpendingLimit:
        """The spending limit: ``enabled``, ``amount`` (US cents), ``amount_usd``, ``duration``, ``strategy``."""
        return self.read(SPENDING_LIMIT_ENDPOINT, account_id)

    def close(self) -> None:
        """Close the connection pool. The client cannot read afterwards (:class:`ClientClosedError`)."""
        pool = self._take_pool()
        if pool is not None:
            pool.close()

    def __enter__(self) -> BillingClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncBillingClient(_BaseClient["httpcore.AsyncConnectionPool"]):
    """Reads AI Gateway billing with ``await``; same options and reads as :class:`BillingClient`."""

    def _open_pool(self) -> httpcore.AsyncConnectionPool:
        from ._transport import open_async_pool  # noqa: PLC0415  # see the note at P

        return open_async_pool(self.base_url, self._environ, connections=100)

    async def read(self, endpoint: Endpoint[T], account_id: str | None = None, **arguments: Any) -> T:
        """Like :meth:`BillingClient.read`."""
        return await self._read(None, account_id, endpoint.call(**arguments))

    async def get(self, account_id: str | None = None) -> CreditBalance:
        """The credit balance of ``account_id`` (default: the client's account). Raises :class:`APIError` subclasses."""
        return await self.read(BALANCE_ENDPOINT, account_id)

    async def get_usage_history(
        self,
        account_id: str | None = None,
        *,
        window: str = "day",
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> UsageHistory:
        """Like :meth:`BillingClient.get_usage_history`."""
        return await self.read(USAGE_ENDPOINT, account_id, window=window, start=start, end=end)

    async def get_spending_limit(self, account_id: str | None = None) -> SpendingLimit:
        """Like :meth:`BillingClient.get_spending_limit`."""
        return await self.read(SPENDING_LIMIT_ENDPOINT, account_id)

    async def get_many(
        self,
        account_ids: Iterable[str],
        *,
        concurrency: int = 16,
        on_result: Callable[[str, CreditBalance | CloudflareBillingError], object] | None = None,
    ) -> list[CreditBalance | CloudflareBillingError]:
        """Read many accounts, at most ``concurrency`` at a time, paced under Cloudflare's rate limit.

        Returns one entry per account id, in the order given: the balance, or the error that
        account failed with (one failure, a malformed id included, never hides the others).
        ``on_result`` is called as each account finishes, for progress reports. Raises
        :class:`ConfigurationError` when ``concurrency`` is not a whole number of at least 1.
        """
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ConfigurationError(f"concurrency must be a whole number of at least 1; got {concurrency!r}.")
        ids = list(account_ids)
        results: list[CreditBalance | CloudflareBillingError | None] = [None] * len(ids)
        work = iter(enumerate(ids))  # shared by the workers; next() never awaits, so no lock is needed
        call = BALANCE_ENDPOINT.call()

        async def worker(pool: httpcore.AsyncConnectionPool) -> None:
            for index, account_id in work:
                try:
                    balance: CreditBalance = await self._read(pool, account_id, call)
                    results[index] = balance
                except CloudflareBillingError as error:
                    results[index] = error
                if on_result is not None:
                    on_result(account_id, results[index])  # type: ignore[arg-type]  # just set

        workers = min(concurrency, len(ids))
        async with self._fleet_pools(workers) as pools:
            await asyncio.gather(*(worker(pools[i % len(pools)]) for i in range(workers)))
        return [result for result in results if result is not None]

    async def _read(self, pool: httpcore.AsyncConnectionPool | None, account_id: str | None, call: Call[T]) -> T:
        from ._transport import async_performer  # noqa: PLC0415  # see the note at P

        account, key, flow = self._prepare(account_id, call)
        sleep = self._sleep or asyncio.sleep

        def read() -> Awaitable[T]:
            return drive_async(flow, async_performer(pool or self._connections(), account, sleep))

        cache: SingleFlightCache[T] = self._cache  # type: ignore[assignment]  # one cache, keyed by call too
        return await cache.get_async(key, self.cache_ttl_s, read)

    @asynccontextmanager
    async def _fleet_pools(self, workers: int) -> AsyncIterator[list[httpcore.AsyncConnectionPool]]:
        """Connection pools for ``workers`` concurrent reads, at most :data:`FLEET_POOL_SIZE` connections each.

        httpcore's pool bookkeeping grows with the square of its connections (encode/httpcore#1035):
        one pool of 50 spends milliseconds per request on it, several small pools do not.
        """
        from ._transport import open_async_pool, tls_context  # noqa: PLC0415  # see the note at P

        count = -(-workers // FLEET_POOL_SIZE)
        if count <= 1:
            yield [self._connections()]
            return
        self._ensure_open()
        tls = tls_context(self.base_url, self._environ)  # loaded once, not once per pool
        pools = [open_async_pool(self.base_url, self._environ, FLEET_POOL_SIZE, tls) for _ in range(count)]
        try:
            yield pools
        finally:
            await asyncio.gather(*(pool.aclose() for pool in pools))

    async def aclose(self) -> None:
        """Close the connection pool. The client cannot read afterwards (:class:`ClientClosedError`)."""
        pool = self._take_pool()
        if pool is not None:
            await pool.aclose()

    async def __aenter__(self) -> AsyncBillingClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


CreditBalanceClient = BillingClient
"""The name of :class:`BillingClient` before it read more than the credit balance; kept for existing code."""
AsyncCreditBalanceClient = AsyncBillingClient
"""The name of :class:`AsyncBillingClient` before it read more than the credit balance; kept for existing code."""
