"""``cf-billing:index:CreditBalanceGuard`` on the plugin: strict inputs, unknowns deferred, secrets kept.

``check`` parses every known input strictly (naming the camelCase key of a wrong one), waits while
any input (or anything inside one) is not known yet, as in ``pulumi preview`` of a guard fed by
another resource, then reads and judges with the dynamic guard's code
(:func:`.._pulumi._guard_provider.judge_reading`). Any failure to read *or to judge* goes through
``onError``. The inputs keep their own secret marks; when any input is secret, every output is
secret too (the balance is that account's, the status and message speak of the floor), and a
failure's text shows a secret account id or floor as ``[secret]``. ``read`` (``pulumi refresh``)
judges the recorded inputs again; there is nothing at Cloudflare to import.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from pulumi.provider.experimental import provider as api
from pulumi.provider.experimental.property_value import PropertyValue

from .._config import validate_account_id
from .._exceptions import CloudflareBillingError, ConfigurationError
from .._inputs import parse_amount_usd, parse_bool, parse_days, parse_whole_number
from .._money import format_usd
from .._pulumi._guard_provider import INPUT_KEYS, MAX_RUNWAY_WINDOW_DAYS, MODES, OUTPUT_KEYS, SUBJECT, judge_reading
from .._text import shown
from .._verdict import DEFAULT_RUNWAY_WINDOW_DAYS
from ._errors import REPORT, describe_unexpected
from ._settings import PluginSettings
from ._values import camel, contains_secret, is_unknown, snake, to_plain, to_value

__all__ = ["check", "create", "diff", "read", "update"]

INPUTS = tuple(camel(key) for key in INPUT_KEYS if key != "credentials_namespace")
OUTPUTS = tuple(camel(key) for key in OUTPUT_KEYS)
_CARRIED = tuple(key for key in OUTPUT_KEYS if key not in ("status", "message"))
SECRET_TEXT = "[secret]"  # noqa: S105  # what a secret shows as, not a secret


def _account(value: object) -> str:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"accountId must be text, 32 hexadecimal characters; got {shown(value)}")
    return validate_account_id(value)


def _floor(value: object) -> object:
    if value is None:
        raise ValueError("floorUsd is required: the lowest acceptable balance in US dollars, like 50")
    return parse_amount_usd(value, what="floorUsd")


def _mode(what: str) -> Callable[[object], object]:
    def parse(value: object) -> object:
        if value not in MODES:
            raise ValueError(f"{what} must be 'fail' or 'warn'; got {shown(value)}")
        return value

    return parse


def _window(value: object) -> object:
    return parse_whole_number(value, what="runwayWindowDays", minimum=1, maximum=MAX_RUNWAY_WINDOW_DAYS)


# Each input: its parser, and its value when not given (the parser sees only given values but for
# the two without a default). Parsers raise ValueError or ConfigurationError naming the camelCase key.
_PARSERS: dict[str, tuple[Callable[[Any], object], object]] = {
    "accountId": (_account, None),
    "floorUsd": (_floor, None),
    "requireAutoTopup": (lambda value: parse_bool(value, what="requireAutoTopup"), False),
    "minRunwayDays": (lambda value: parse_days(value, what="minRunwayDays"), None),
    "runwayWindowDays": (_window, DEFAULT_RUNWAY_WINDOW_DAYS),
    "requireSpendingLimit": (lambda value: parse_bool(value, what="requireSpendingLimit"), False),
    "onBreach": (_mode("onBreach"), "fail"),
    "onError": (_mode("onError"), "fail"),
}
_REQUIRED = ("accountId", "floorUsd")


def parse_guard(inputs: Mapping[str, PropertyValue]) -> tuple[dict[str, Any], dict[str, str]]:
    """The known inputs parsed (snake_case keys, exact values) and what is wrong with the others, by camelCase key.

    An input not known yet is neither: the caller waits for it.
    """
    parsed: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for key, (parse, default) in _PARSERS.items():
        value = inputs.get(key)
        if value is not None and is_unknown(value):
            continue
        plain = None if value is None else to_plain(value)
        try:
            parsed[snake(key)] = parse(plain) if plain is not None or key in _REQUIRED else default
        except (ValueError, CloudflareBillingError) as error:
            problems[key] = str(error)
    return parsed, problems


def _with_account(inputs: Mapping[str, PropertyValue], settings: PluginSettings) -> dict[str, PropertyValue]:
    """``inputs`` with the provider's default account when they name none (secret when its config is)."""
    given = inputs.get("accountId")
    if given is not None and given.value is not None:
        return dict(inputs)
    if "accountId" in settings.unknown:
        return {**inputs, "accountId": PropertyValue.computed()}
    default = settings.default_account()
    if default is None:
        return dict(inputs)
    return {**inputs, "accountId": PropertyValue(default, is_secret=settings.secret_account)}


def _judge(
    parsed: Mapping[str, Any], olds: Mapping[str, Any], settings: PluginSettings
) -> tuple[dict[str, Any], str | None]:
    """The state to record and the failure, if any: a failure to judge counts as a failure to read (``onError``)."""
    try:
        return judge_reading(parsed, olds, read=settings.read)
    except Exception as error:  # whatever breaks judging must not bypass onError
        account = parsed["account_id"]
        problem = describe_unexpected(error)
        message = f"{SUBJECT}: could not judge the AI Gateway balance of account {account}: {problem}. {REPORT}"
        state = {**{key: olds.get(key) for key in _CARRIED}, "status": "unreadable", "message": message}
        return state, (message if parsed["on_error"] == "fail" else None)


def _record(
    inputs: Mapping[str, PropertyValue], state: Mapping[str, Any], olds: Mapping[str, PropertyValue]
) -> dict[str, PropertyValue]:
    """The inputs as given (secret marks kept) and the outputs: all secret when any input is, or anything in ``olds``
    (what an unreadable account's outputs are carried over from)."""
    kept = {key: inputs[key] for key in INPUTS if key in inputs}
    secret = contains_secret(kept.values()) or contains_secret(olds.values())
    outputs = {camel(key): to_value(state[key], secret=secret) for key in OUTPUT_KEYS if state.get(key) is not None}
    return {**kept, **outputs}


def _plain(props: Mapping[str, PropertyValue]) -> dict[str, Any]:
    return {snake(key): to_plain(value) for key, value in props.items()}


def _redacted(text: str, inputs: Mapping[str, PropertyValue], parsed: Mapping[str, Any]) -> str:
    """``text`` with a secret account id and a secret floor shown as ``[secret]``."""
    forms: list[str] = []
    if contains_secret([inputs["accountId"]]):
        forms += [str(inputs["accountId"].value), parsed["account_id"]]
    if contains_secret([inputs["floorUsd"]]):
        forms.append(format_usd(parsed["floor_usd"]))
    for form in forms:
        text = text.replace(form, SECRET_TEXT)
    return text


def check(request: api.CheckRequest, settings: PluginSettings) -> api.CheckResponse:
    """Parse, wait for unknowns, read and judge: the guard's inputs and outputs, or why the deploy must stop."""
    inputs = _with_account(request.new_inputs, settings)
    parsed, problems = parse_guard(inputs)
    if problems:
        failures = [api.CheckFailure(key, reason) for key, reason in problems.items()]
        return api.CheckResponse(inputs=request.new_inputs, failures=failures)
    if settings.unknown or any(is_unknown(value) for value in inputs.values()):
        return api.CheckResponse(inputs=request.new_inputs)  # judged when known, at `pulumi up`
    state, failure = _judge(parsed, _plain(request.old_inputs), settings)
    if failure is not None:
        reason = _redacted(failure, inputs, parsed)
        return api.CheckResponse(inputs=request.new_inputs, failures=[api.CheckFailure("floorUsd", reason)])
    return api.CheckResponse(inputs=_record(inputs, state, request.old_inputs))


def read(request: api.ReadRequest, settings: PluginSettings) -> api.ReadResponse:
    """``pulumi refresh``: judge the recorded inputs again, recording what comes (failures included, as a status)."""
    props = _with_account(request.properties, settings)
    parsed, problems = parse_guard(props)
    if problems or any(is_unknown(value) for value in props.values()):
        raise _unusable_state(request.resource_id, problems, imported=not request.properties)
    refreshed = _record(props, _judge(parsed, _plain(props), settings)[0], props)
    return api.ReadResponse(resource_id=request.resource_id, properties=refreshed, inputs=refreshed)


def _unusable_state(resource_id: str, problems: Mapping[str, str], *, imported: bool) -> ConfigurationError:
    if imported:
        head = f"{SUBJECT} {resource_id} cannot be imported: a guard has nothing at Cloudflare to import"
    else:
        reasons = "; ".join(problems.values())
        head = f"{SUBJECT} {resource_id} cannot be refreshed: its state lacks usable inputs ({reasons})"
    return ConfigurationError(f"{head}. Declare it in the program (floorUsd is required) and run pulumi up.")


def _fingerprint(value: PropertyValue | None) -> tuple[Any, bool] | None:
    return None if value is None or value.value is None else (to_plain(value), contains_secret([value]))


def diff(request: api.DiffRequest) -> api.DiffResponse:
    """Changed inputs or outputs (a new reading, a value turned secret) update the guard; nothing replaces it."""
    olds, news = request.old_state, request.new_inputs
    changed = [key for key in (*INPUTS, *OUTPUTS) if _fingerprint(olds.get(key)) != _fingerprint(news.get(key))]
    return api.DiffResponse(changes=bool(changed), diffs=changed)


def create(request: api.CreateRequest) -> api.CreateResponse:
    """Record what ``check`` returned: nothing is created at Cloudflare."""
    return api.CreateResponse(resource_id=f"credit-guard-{uuid.uuid4().hex[:12]}", properties=request.properties)


def update(request: api.UpdateRequest) -> api.UpdateResponse:
    """Record what ``check`` returned."""
    return api.UpdateResponse(properties=request.news)
