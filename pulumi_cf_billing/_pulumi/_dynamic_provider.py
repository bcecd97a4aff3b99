"""The dynamic provider behind :class:`CreditBalanceGuard`. It runs in Pulumi's provider host process.

The program judges, the provider reports. ``check()`` runs in both ``pulumi preview`` and ``pulumi
up``, and is the one place where a failure reaches the user as one clean line instead of a Python
traceback: it relays the verdict the program made (the ``verdict`` input, see
:func:`._program_judging.verdict_for_guard`: refused inputs, or the outputs and whether the deploy
stops) and returns the user's inputs plus those outputs; ``diff()`` compares them with state, so an
unchanged balance shows no diff; ``create()``/``update()`` only record; ``read()`` (``pulumi
refresh``) reads the balance again; ``delete()`` makes no API call.

Relaying loads nothing of the judging, so a preview's provider host starts its checks at once; what
the program did not judge (an unknown input in preview, ``read()``) loads :mod:`._host_judging`.

The provider object holds nothing: it is pickled into state by reference to this module, so no
credential can be inside it and upgrading this package does not change it. When it reads itself,
credentials come at call time from the stack config handed to ``configure()`` or the environment.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

__all__ = ["VERDICT_INPUT", "CreditBalanceGuardProvider"]

VERDICT_INPUT = "verdict"
"""The program's verdict: ``{"problems": [...]}`` or ``{"outputs": ..., "stops_deploy": ..., "carry": [...]}``."""
NOT_RECORDED = ("__provider", VERDICT_INPUT)
"""Inputs that are not the guard's own: the pickled provider (the host adds it back), and the verdict."""

# The stack config from configure(), kept in the host process only: never on the pickled provider.
_stack_config: dict[str, ConfigureRequest] = {}


class CreditBalanceGuardProvider(ResourceProvider):
    """Fails ``check()`` when the program's verdict says the deploy must stop."""

    serialize_as_secret_always = False  # it holds nothing, so state can show it in the clear

    def configure(self, req: ConfigureRequest) -> None:
        _stack_config["request"] = req

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        verdict = news.get(VERDICT_INPUT)
        if isinstance(verdict, Mapping):
            return _relay(verdict, _olds, news)
        from ._host_judging import check_unjudged  # noqa: PLC0415  # see the module docstring

        return check_unjudged(_olds, news, _lookup)

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        changed = [key for key in {*_olds, *_news} - set(NOT_RECORDED) if not _same(_olds.get(key), _news.get(key))]
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"credit-guard-{uuid.uuid4().hex[:12]}", _record(props))

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(_record(_news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        from ._host_judging import judge_reading  # noqa: PLC0415  # see the module docstring

        state, _ = judge_reading(props, props, _lookup)
        refreshed = _record({**props, **state})
        return ReadResult(id_, refreshed, refreshed)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to delete at Cloudflare: a guard only reads."""


def _relay(verdict: Mapping[str, Any], olds: Mapping[str, Any], news: dict[str, Any]) -> CheckResult:
    """The program's verdict as a check: its refusals, its failure line, or the inputs plus its outputs.

    The checked inputs leave the verdict out (the engine keeps them in state; the outputs are there already).

    An unreadable account keeps the previous reading's fields (``carry``) from ``olds``.
    """
    problems = verdict.get("problems") or []
    if problems:
        return CheckResult(news, [CheckFailure(str(problem["key"]), str(problem["reason"])) for problem in problems])
    outputs = {**verdict.get("outputs", {}), **{key: olds.get(key) for key in verdict.get("carry") or []}}
    if verdict.get("stops_deploy"):
        return CheckResult(news, [CheckFailure("floor_usd", str(outputs.get("message")))])
    return CheckResult({**_record(news), **outputs}, [])


def _same(old: Any, new: Any) -> bool:
    """Equal as Pulumi stores them: the engine drops null members of maps, so ``{"a": None}`` equals ``{}``."""
    return bool(_without_nulls(old) == _without_nulls(new))


def _without_nulls(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    return value


def _record(props: Mapping[str, Any]) -> dict[str, Any]:
    """What state keeps: the guard's inputs and outputs, not the verdict that carried them."""
    return {key: value for key, value in props.items() if key not in NOT_RECORDED}


def _lookup(key: str) -> str | None:
    request = _stack_config.get("request")
    value = request.config.get(key) if request is not None else None
    return value if isinstance(value, str) else None
