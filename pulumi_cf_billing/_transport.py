"""The httpx edge: perform a :class:`Send`, translate httpx's failures into ours in exactly one place."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
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


def performer(client: httpx.Client, account_id: str, sleep: Callable[[float], object]) -> Callable[[Effect], Outcome]:
    """What :func:`drive` needs: sends with a sync httpx client, sleeps with ``sleep``."""

    def perform(effect: Effect) -> Outcome:
        if isinstance(effect, Sleep):
            sleep(effect.seconds)
            return None
        try:
            with translate_transport_errors(account_id, effect):
                reply = client.send(_build(client, effect))
                return Response(reply.status_code, reply.headers, reply.content)
        except TransportError as error:
            return error

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
            with translate_transport_errors(account_id, effect):
                reply = await client.send(_build(client, effect))
                return Response(reply.status_code, reply.headers, reply.content)
        except TransportError as error:
            return error

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
