"""The httpx edge: perform a :class:`Send`, translate httpx's failures into ours in exactly one place."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import httpx

from ._exceptions import APIError, TransportError
from ._flow import Flow, Response, Send, Sleep
from ._models import CreditBalance
from ._retry import Timeout

__all__ = ["drive", "drive_async", "http_timeout", "send_async", "send_sync"]

T = TypeVar("T")


def http_timeout(timeout: Timeout) -> httpx.Timeout:
    """The httpx timeout for one attempt."""
    return httpx.Timeout(timeout.attempt_s, connect=timeout.connect_s)


@contextmanager
def translate_transport_errors(account_id: str, effect: Send) -> Iterator[None]:
    """Turn any httpx failure into a :class:`TransportError` that names the account and the host only."""
    host = httpx.URL(effect.request.url).host
    try:
        yield
    except httpx.TimeoutException:
        raise TransportError(
            f"Cloudflare ({host}) did not answer within {effect.timeout_s:.1f} s for account {account_id}.",
            account_id=account_id,
        ) from None
    except httpx.HTTPError as error:
        raise TransportError(
            f"The connection to {host} failed for account {account_id} ({type(error).__name__}). "
            "Check the network, proxy settings and the base URL.",
            account_id=account_id,
        ) from None


def send_sync(client: httpx.Client, account_id: str) -> Callable[[Send], Response | APIError]:
    """A sender for :func:`drive` over a sync httpx client."""

    def send(effect: Send) -> Response | APIError:
        try:
            with translate_transport_errors(account_id, effect):
                reply = client.send(_build(client, effect))
                return Response(reply.status_code, reply.headers, reply.content)
        except TransportError as error:
            return error

    return send


def _build(client: httpx.Client | httpx.AsyncClient, effect: Send) -> httpx.Request:
    request = effect.request
    return client.build_request(request.method, request.url, headers=dict(request.headers), timeout=effect.timeout_s)


def send_async(client: httpx.AsyncClient, account_id: str) -> Callable[[Send], Awaitable[Response | APIError]]:
    """A sender for :func:`drive_async` over an async httpx client."""

    async def send(effect: Send) -> Response | APIError:
        try:
            with translate_transport_errors(account_id, effect):
                reply = await client.send(_build(client, effect))
                return Response(reply.status_code, reply.headers, reply.content)
        except TransportError as error:
            return error

    return send


def drive(
    flow: Flow,
    send: Callable[[Send], Response | APIError],
    sleep: Callable[[float], object] = time.sleep,
) -> CreditBalance:
    """Run ``flow`` to completion, performing its effects synchronously."""
    outcome: Response | APIError | None = None
    while True:
        try:
            effect = flow.send(outcome)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        if isinstance(effect, Sleep):
            sleep(effect.seconds)
            outcome = None
        else:
            outcome = send(effect)


async def drive_async(
    flow: Flow,
    send: Callable[[Send], Awaitable[Response | APIError]],
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> CreditBalance:
    """Run ``flow`` to completion, performing its effects with ``await``."""
    outcome: Response | APIError | None = None
    while True:
        try:
            effect = flow.send(outcome)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        if isinstance(effect, Sleep):
            await sleep(effect.seconds)
            outcome = None
        else:
            outcome = await send(effect)
