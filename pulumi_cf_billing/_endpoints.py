"""The endpoint table: each read-only billing endpoint described once, every surface built from it.

An :class:`Endpoint` says where to read (its path segment and query), how its ``result`` becomes a
model, its JSON-ready form in people's units, the plugin's arguments and what the fake API answers.
Built from :data:`ENDPOINTS`: the clients' ``read`` (under ``get``, ``get_usage_history`` and
``get_spending_limit``), the plugin's ``Invoke``, the fake API's routes, and the Python Pulumi
functions, which ``tools/gen_functions.py`` generates from this table and the provider schema
(``provider/schema.json``: the results' fields, types and units).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from ._models import CreditBalance, SpendingLimit, UsageHistory
from ._results import (
    CREDIT_BALANCE,
    SPENDING_LIMIT,
    USAGE_HISTORY,
    WINDOWS,
    Call,
    Query,
    ResultReader,
    read_credit_balance,
    read_spending_limit,
    read_usage_history,
    usage_query,
)
from ._serialize import credit_balance_to_dict, spending_limit_to_dict, usage_history_to_dict
from ._text import shown

__all__ = [
    "BALANCE_ENDPOINT",
    "ENDPOINTS",
    "SPENDING_LIMIT_ENDPOINT",
    "USAGE_ENDPOINT",
    "ArgumentError",
    "Endpoint",
    "FakeAnswer",
    "no_arguments",
    "no_query",
]

M = TypeVar("M")

FakeAnswer = Callable[[Any, str, int], dict[str, Any]]
"""What the fake API serves: ``(account, raw query string, now in epoch milliseconds) -> result``.

``account`` is a ``pulumi_cf_billing.testing.FakeAccount``, typed ``Any`` because the core never
imports the testing package. A query Cloudflare would refuse raises the testing package's ``QueryProblem``.
"""


class ArgumentError(ValueError):
    """One of a function's arguments is wrong; ``argument`` names it as the provider schema spells it."""

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(message)
        self.argument = argument


def no_query() -> Query:
    """The query of an endpoint that takes no arguments besides the account."""
    return ()


def no_arguments(_arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The plugin's arguments of an endpoint that takes none besides ``accountId`` (others are ignored)."""
    return {}


@dataclass(frozen=True)
class Endpoint(Generic[M]):
    """One read-only billing endpoint, ``GET {base_url}/accounts/{account_id}/ai-gateway/billing/{name}``.

    - ``read`` makes the ``result`` a model ``M`` (see :data:`._results.ResultReader`);
    - ``to_dict`` is a model as JSON-ready data in the keys and units people read (``*_usd`` in US
      dollars): what ``--json``, the Pulumi functions and the plugin return;
    - ``fake`` is what the fake API answers for one of its accounts;
    - ``query`` takes the endpoint's Python keyword arguments (its signature is theirs, in the Python
      Pulumi functions too) and returns the query, raising :class:`ConfigurationError` for a wrong one;
    - ``parse_arguments`` takes the plugin's plain arguments (camelCase keys) and returns ``query``'s
      keyword arguments, raising :class:`ArgumentError` naming the wrong one.
    """

    name: str
    read: ResultReader[M]
    to_dict: Callable[[M], dict[str, Any]]
    fake: FakeAnswer
    query: Callable[..., Query] = no_query
    parse_arguments: Callable[[Mapping[str, Any]], dict[str, Any]] = no_arguments

    @property
    def function(self) -> str:
        """The Pulumi function's name (``get_usage_history``); the schema's token spells it in camelCase."""
        return "get_" + self.name.replace("-", "_")

    def call(self, **arguments: Any) -> Call[M]:
        """The read to make with ``arguments`` (see ``query``)."""
        return Call(self.name, self.query(**arguments), self.read)


def _moment(arguments: Mapping[str, Any], name: str) -> datetime | None:
    """``start``/``end``: ISO 8601 text with a UTC offset (``2026-11-01T00:00:00Z``), or absent."""
    text = arguments.get(name)
    if text is None:
        return None
    example = "an ISO 8601 time with a UTC offset, like 2026-11-01T00:00:00Z or 2026-11-01T09:00:00+09:00"
    try:
        moment = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None:
        raise ArgumentError(name, f"{name} must be {example}; got {shown(text)}")
    return moment


def _usage_arguments(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The plugin's ``window`` (default ``day``), ``start`` and ``end`` (ISO 8601 text), for :func:`usage_query`."""
    window = arguments.get("window", "day")
    if window not in WINDOWS:
        raise ArgumentError("window", f"window must be 'day' or 'hour'; got {shown(window)}")
    start, end = _moment(arguments, "start"), _moment(arguments, "end")
    if start is not None and end is not None and start > end:
        raise ArgumentError("start", f"start ({arguments['start']}) is after end ({arguments['end']})")
    return {"window": str(window), "start": start, "end": end}


def _spending_limit_to_dict(limit: SpendingLimit) -> dict[str, Any]:
    return {"account_id": limit.account_id, **spending_limit_to_dict(limit)}


BALANCE_ENDPOINT: Endpoint[CreditBalance] = Endpoint(
    CREDIT_BALANCE,
    read_credit_balance,
    credit_balance_to_dict,
    fake=lambda account, _query, _now_ms: account.result(),
)
USAGE_ENDPOINT: Endpoint[UsageHistory] = Endpoint(
    USAGE_HISTORY,
    read_usage_history,
    usage_history_to_dict,
    fake=lambda account, query, now_ms: account.usage_result(query, now_ms),
    query=usage_query,
    parse_arguments=_usage_arguments,
)
SPENDING_LIMIT_ENDPOINT: Endpoint[SpendingLimit] = Endpoint(
    SPENDING_LIMIT,
    read_spending_limit,
    _spending_limit_to_dict,
    fake=lambda account, _query, _now_ms: account.spending_limit_result(),
)
ENDPOINTS: Mapping[str, Endpoint[Any]] = MappingProxyType(
    {endpoint.name: endpoint for endpoint in (BALANCE_ENDPOINT, USAGE_ENDPOINT, SPENDING_LIMIT_ENDPOINT)}
)
"""Every endpoint, by name, in the order the surfaces list them."""
