"""One read of one endpoint of one account, as a generator of effects: the single code path of both clients.

The generator yields :class:`Send` (do this HTTP request, send me back a :class:`Response`
or the :class:`APIError` it failed with) and :class:`Sleep` (wait, send me back ``None``),
and returns the endpoint's model (a :class:`CreditBalance`, :class:`UsageHistory` or
:class:`SpendingLimit`). :func:`drive` and :func:`drive_async` run a flow with a performer of its
effects (``_transport`` performs them on httpcore): the sync and async clients are thin drivers.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass
from typing import TypeAlias, TypeVar

from ._exceptions import APIError
from ._pacing import RequestPacer
from ._protocol import Request, parse_response
from ._results import ResultReader
from ._retry import RetryPolicy, Timeout, paced_out

__all__ = ["Effect", "EffectResult", "Flow", "Response", "Send", "Sleep", "drive", "drive_async", "read_endpoint"]


@dataclass(frozen=True, slots=True)
class Send:
    """Effect: perform ``request`` within ``timeout_s`` seconds, all of it: connect, headers and body.

    ``connect_timeout_s`` (at most ``timeout_s``) bounds opening the connection.
    """

    request: Request
    timeout_s: float
    connect_timeout_s: float


@dataclass(frozen=True, slots=True)
class Sleep:
    """Effect: wait ``seconds``."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Response:
    """What came back: status, case-insensitive headers, body bytes."""

    status: int
    headers: Mapping[str, str]
    body: bytes


T = TypeVar("T")
Effect = Send | Sleep
EffectResult = Response | APIError | None
"""What a driver sends back: a Response or the APIError a Send failed with; None after a Sleep."""
Flow: TypeAlias = Generator[Effect, EffectResult, T]


def read_endpoint(
    request: Request,
    account_id: str,
    *,
    read: ResultReader[T],
    timeout: Timeout,
    retry: RetryPolicy,
    clock: Callable[[], float],
    rng: random.Random,
    pacer: RequestPacer,
) -> Flow[T]:
    """Read one endpoint (its result made into a model by ``read``) with pacing, retries and one deadline."""
    deadline = clock() + timeout.total_s
    for attempt in range(1, retry.max_attempts + 1):
        remaining = deadline - clock()
        wait = pacer.reserve(clock(), within_s=remaining)
        if wait >= remaining:
            raise paced_out(account_id, wait, remaining)
        if wait > 0:
            yield Sleep(wait)
        left = deadline - clock()
        outcome = yield Send(request, min(timeout.attempt_s, left), min(timeout.connect_s, left))
        try:
            if not isinstance(outcome, Response):
                raise outcome or AssertionError("the driver answers Send with a Response or an APIError")
            pacer.note_response(outcome.headers, clock())
            return parse_response(outcome.status, outcome.headers, outcome.body, account_id, read=read)
        except APIError as error:
            yield Sleep(retry.delay_before_retry(error, attempt, deadline - clock(), rng))
    raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover


def drive(flow: Flow[T], perform: Callable[[Effect], EffectResult]) -> T:
    """Run ``flow`` to completion, performing each effect synchronously."""
    try:
        effect = next(flow)
        while True:
            effect = flow.send(perform(effect))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


async def drive_async(flow: Flow[T], perform: Callable[[Effect], Awaitable[EffectResult]]) -> T:
    """Run ``flow`` to completion, awaiting each effect."""
    try:
        effect = next(flow)
        while True:
            effect = flow.send(await perform(effect))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
