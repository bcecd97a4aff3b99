"""The clients: :class:`CreditBalanceClient` (sync) and :class:`AsyncCreditBalanceClient`.

Both are thin drivers of one code path (:func:`._flow.read_balance`); they differ only in the
httpx client and the sleep they use. Reads are single-flight: within ``cache_ttl_s`` seconds,
every read of the same account with the same credentials and base URL in this process shares
one request, concurrent callers included.
"""

from __future__ import annotations

import asyncio
import os
import random
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Generic, TypeVar

import httpx

from ._cache import SingleFlightCache
from ._credentials import Credentials, environment_layer
from ._exceptions import CloudflareBillingError
from ._flow import Flow, read_balance
from ._models import CreditBalance
from ._pacing import pacer_for
from ._protocol import (
    DEFAULT_BASE_URL,
    ENV_ACCOUNT_ID,
    ENV_BASE_URL,
    build_request,
    validate_account_id,
    validate_base_url,
)
from ._retry import RetryPolicy, Timeout
from ._transport import async_performer, drive, drive_async, http_timeout, performer

__all__ = ["AsyncCreditBalanceClient", "CreditBalanceClient"]

DEFAULT_CACHE_TTL_S = 60.0
FLEET_POOL_SIZE = 8
_SHARED_CACHE: SingleFlightCache[CreditBalance] = SingleFlightCache(time.monotonic)

H = TypeVar("H", httpx.Client, httpx.AsyncClient)


class _BaseClient(Generic[H]):
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
        environ: Mapping[str, str] | None = None,
        http_client: H | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Any] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        self.credentials = credentials or Credentials.resolve(
            {"api_token": api_token, "api_key": api_key, "email": email}, environment_layer(env)
        )
        self.base_url = validate_base_url(base_url or env.get(ENV_BASE_URL) or DEFAULT_BASE_URL)
        self.default_account_id = account_id or env.get(ENV_ACCOUNT_ID)
        self.timeout = timeout if isinstance(timeout, Timeout) else Timeout(total_s=timeout or 30.0)
        self.retry = retry or RetryPolicy()
        self.cache_ttl_s = cache_ttl_s
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311  # backoff jitter, not cryptography
        self._cache = _SHARED_CACHE if clock is time.monotonic else SingleFlightCache(clock)
        self._fingerprint = self.credentials.fingerprint  # a SHA-256 per read would cost more than the cache saves
        self._pacer = pacer_for(f"{self._fingerprint}@{self.base_url}")
        self._given_http: H | None = http_client
        self._own_http: H | None = None
        self._http_lock = threading.Lock()

    def _http(self) -> H:
        """The httpx client: the one given, else one made on first use (a shared read needs none)."""
        if self._given_http is not None:
            return self._given_http
        with self._http_lock:
            if self._own_http is None:
                self._own_http = self._new_http_client()
            return self._own_http

    def _new_http_client(self) -> H:
        raise NotImplementedError

    def _prepare(self, account_id: str | None) -> tuple[str, tuple[str, str, str], Flow]:
        """Validate the account and build its cache key and read flow, with no I/O."""
        account = validate_account_id(account_id or self.default_account_id)
        request = build_request(account, self.credentials, self.base_url)
        flow = read_balance(
            request, account, timeout=self.timeout, retry=self.retry,
            clock=self._clock, rng=self._rng, pacer=self._pacer,
        )  # fmt: skip
        return account, (account, self._fingerprint, self.base_url), flow

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, credentials={self.credentials!r})"


class CreditBalanceClient(_BaseClient[httpx.Client]):
    """Reads AI Gateway credit balances synchronously.

    Credentials: ``api_token``, or ``api_key`` + ``email``, or ``credentials``; else the
    environment (``CLOUDFLARE_API_TOKEN``, or ``CLOUDFLARE_API_KEY`` + ``CLOUDFLARE_EMAIL``).
    ``base_url`` defaults to ``CLOUDFLARE_BASE_URL``, then ``https://api.cloudflare.com/client/v4``;
    ``account_id`` to ``CLOUDFLARE_ACCOUNT_ID``. ``timeout`` is the overall deadline of one read in
    seconds (default 30), or a :class:`Timeout`. ``clock`` (monotonic seconds) and ``sleep`` are
    injectable for tests (``sleep`` is awaited by the async client). Raises :class:`MissingCredentialsError` now,
    before any request, when no credentials are found.
    """

    def _new_http_client(self) -> httpx.Client:
        return httpx.Client(timeout=http_timeout(self.timeout), trust_env=True)

    def get(self, account_id: str | None = None) -> CreditBalance:
        """The credit balance of ``account_id`` (default: the client's account). Raises :class:`APIError` subclasses."""
        account, key, flow = self._prepare(account_id)
        sleep = self._sleep or time.sleep
        return self._cache.get(key, self.cache_ttl_s, lambda: drive(flow, performer(self._http(), account, sleep)))

    def close(self) -> None:
        """Close the connection pool, if this client opened it."""
        if self._own_http is not None:
            self._own_http.close()

    def __enter__(self) -> CreditBalanceClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncCreditBalanceClient(_BaseClient[httpx.AsyncClient]):
    """Reads AI Gateway credit balances with ``await``; same options as :class:`CreditBalanceClient`."""

    def _new_http_client(self) -> httpx.AsyncClient:
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
        return httpx.AsyncClient(timeout=http_timeout(self.timeout), limits=limits, trust_env=True)

    async def get(self, account_id: str | None = None) -> CreditBalance:
        """The credit balance of ``account_id`` (default: the client's account). Raises :class:`APIError` subclasses."""
        return await self._get_with(None, account_id)

    async def get_many(
        self,
        account_ids: Iterable[str],
        *,
        concurrency: int = 16,
        on_result: Callable[[str, CreditBalance | CloudflareBillingError], object] | None = None,
    ) -> list[CreditBalance | CloudflareBillingError]:
        """Read many accounts, at most ``concurrency`` at a time, paced under Cloudflare's rate limit.

        Returns one entry per account id, in the order given: the balance, or the error that
        account failed with (one failure never hides the others). ``on_result`` is called as
        each account finishes, for progress reports.
        """
        ids = list(account_ids)
        results: list[CreditBalance | CloudflareBillingError | None] = [None] * len(ids)
        work = iter(enumerate(ids))  # shared by the workers; next() never awaits, so no lock is needed

        async def worker(http: httpx.AsyncClient) -> None:
            for index, account_id in work:
                try:
                    results[index] = await self._get_with(http, account_id)
                except CloudflareBillingError as error:
                    results[index] = error
                if on_result is not None:
                    on_result(account_id, results[index])  # type: ignore[arg-type]  # just set

        workers = min(concurrency, len(ids))
        async with self._fleet_pools(workers) as pools:
            await asyncio.gather(*(worker(pools[i % len(pools)]) for i in range(workers)))
        return [result for result in results if result is not None]

    async def _get_with(self, http: httpx.AsyncClient | None, account_id: str | None) -> CreditBalance:
        account, key, flow = self._prepare(account_id)
        sleep = self._sleep or asyncio.sleep

        def read() -> Awaitable[CreditBalance]:
            return drive_async(flow, async_performer(http or self._http(), account, sleep))

        return await self._cache.get_async(key, self.cache_ttl_s, read)

    @asynccontextmanager
    async def _fleet_pools(self, workers: int) -> AsyncIterator[list[httpx.AsyncClient]]:
        """Connection pools for ``workers`` concurrent reads, at most :data:`FLEET_POOL_SIZE` connections each.

        httpcore's pool bookkeeping grows with the square of its connections (encode/httpcore#1035):
        one pool of 50 spends milliseconds per request on it, several small pools do not.
        """
        count = -(-workers // FLEET_POOL_SIZE)
        if self._given_http is not None or count <= 1:
            yield [self._http()]
            return
        tls = httpx.create_ssl_context(trust_env=True)  # loaded once, not once per pool
        limits = httpx.Limits(max_connections=FLEET_POOL_SIZE, max_keepalive_connections=FLEET_POOL_SIZE)
        timeout = http_timeout(self.timeout)
        pools = [httpx.AsyncClient(timeout=timeout, limits=limits, verify=tls, trust_env=True) for _ in range(count)]
        try:
            yield pools
        finally:
            await asyncio.gather(*(pool.aclose() for pool in pools))

    async def aclose(self) -> None:
        """Close the connection pool, if this client opened it."""
        if self._own_http is not None:
            await self._own_http.aclose()

    async def __aenter__(self) -> AsyncCreditBalanceClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
