"""The httpx edge: perform a :class:`Send`, translate httpx's failures into ours in exactly one place.

A failure reading the body (a dropped connection, a truncated body) surfaces inside ``client.send``,
which reads the whole response, so the ``except`` around it sees every failure httpx can raise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx

from ._exceptions import TransportError
from ._flow import Effect, Flow, Outcome, Response, Send, Sleep
from ._models import CreditBalance
from ._retry import Timeout

__all__ = ["async_performer", "drive", "drive_async", "http_timeout", "performer"]

T = TypeVar("T")


def http_timeout(timeout: Timeout) -> httpx.Timeout:
    """The httpx timeout for one attempt."""
    return httpx.Timeout(timeout.attempt_s, connect=timeout.connect_s)


def transport_error(error: httpx.HTTPError, account_id: str, effect: Send) -> TransportError:
    """The one translation of an httpx failure: a :class:`TransportError` naming the account and host only."""
    if isinstance(error, httpx.TimeoutException):
        message = (
            f"Cloudflare ({_host(effect)}) did not answer within {effect.timeout_s:.1f} s for account {account_id}."
        )
    else:
        message = (
            f"The connection to {_host(effect)} failed for account {account_id} ({type(error).__name__}). "
            "Check the network, proxy settings and the base URL."
        )
    return TransportError(message, account_id=account_id)


def _host(effect: Send) -> str:
    # Parsed only when a message needs it: the URL is the same on every request.
    return httpx.URL(effect.request.url).host


def performer(client: httpx.Client, account_id: str, sleep: Callable[[float], object]) -> Callable[[Effect], Outcome]:
    """What :func:`drive` needs: sends with a sync httpx client, sleeps with ``sleep``."""

    def perform(effect: Effect) -> Outcome:
        if isinstance(effect, Sleep):
            sleep(effect.seconds)
            return None
        try:
            reply = client.send(_build(client, effect))
        except httpx.HTTPError as error:
            return transport_error(error, account_id, effect)
        return Response(reply.status_code, reply.headers, reply.content)

    return perform


def _build(client: httpx.Client | httpx.AsyncClient, effect: Send) -> httpx.Request:
    request = effect.request
    return client.build_request(request.method, request.url, headers=dict(request.headers), timeout=effect.timeout_s)


def async_performer(
    client: httpx.AsyncClient, account_id: str, sleep: Callable[[float], Awaitable[object]]
) -> Callable[[Effect], Awaitable[Outcome]]:
    """What :func:`drive_async` needs: sends with an async httpx client, sleeps with ``await sleep``."""

    async def perform(effect: Effect) -> Outcome:
        if isinstance(effect, Sleep):
            await sleep(effect.seconds)
            return None
        try:
            reply = await client.send(_build(client, effect))
        except httpx.HTTPError as error:
            return transport_error(error, account_id, effect)
        return Response(reply.status_code, reply.headers, reply.content)

    return perform


def drive(flow: Flow, perform: Callable[[Effect], Outcome]) -> CreditBalance:
    """Run ``flow`` to completion, performing each effect synchronously."""
    try:
        effect = next(flow)
        while True:
            effect = flow.send(perform(effect))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


async def drive_async(flow: Flow, perform: Callable[[Effect], Awaitable[Outcome]]) -> CreditBalance:
    """Run ``flow`` to completion, awaiting each effect."""
    try:
        effect = next(flow)
        while True:
            effect = flow.send(await perform(effect))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
