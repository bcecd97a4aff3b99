"""``cf-billing:index:CreditBalanceGuard`` on the plugin: strict inputs, unknowns deferred, secrets kept.

``check`` parses every known input with the one guard definition (:mod:`.._guard_definition` and
:mod:`.._guard_judging`, naming the camelCase key of a wrong one), waits while any input (or anything inside one) is not
known yet, as in ``pulumi preview`` of a guard fed by another resource, then reads and judges as
every surface does. Any failure to read *or to judge* goes through ``onError``. The inputs keep
their own secret marks; when any input is secret, every output is secret too (the balance is that
account's, the status and message speak of the floor), and a failure's text shows a secret account
id or floor as ``[secret]``. ``read`` (``pulumi refresh``) judges the recorded inputs again; there
is nothing at Cloudflare to import.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pulumi.provider.experimental import provider as api
from pulumi.provider.experimental.property_value import PropertyValue

from .._exceptions import ConfigurationError
from .._guard_definition import GUARD_INPUTS, GUARD_SUBJECT, OUTPUT_KEYS, camel
from .._guard_judging import Guard, ParsedGuard, Verdict, guard_outputs, judge_guard, parse_guard
from .._money import format_usd
from ._errors import REPORT, describe_unexpected
from ._settings import PluginSettings
from ._values import SECRET_TEXT, contains_secret, is_unknown, snake, to_plain, to_value, unechoed

__all__ = ["INPUTS", "OUTPUTS", "check", "create", "diff", "read", "update"]

INPUTS = tuple(item.camel for item in GUARD_INPUTS)
OUTPUTS = tuple(camel(key) for key in OUTPUT_KEYS)


def _parse(inputs: Mapping[str, PropertyValue]) -> ParsedGuard:
    """The guard definition's parsing of the plugin's (camelCase) inputs; one not known yet stays a property value."""
    given = {key: value if is_unknown(value) else to_plain(value) for key, value in inputs.items()}
    return parse_guard(given, spelling=camel, is_unknown=lambda value: isinstance(value, PropertyValue))


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


def _judge(guard: Guard, olds: Mapping[str, Any], settings: PluginSettings) -> tuple[dict[str, Any], str | None]:
    """The outputs to record and the failure, if any. A failure to judge counts as a failure to read (``onError``)."""
    now = datetime.now(UTC)
    try:
        verdict = judge_guard(guard, lambda: settings.read(guard.account_id, guard.rules, now), now, GUARD_SUBJECT)
        outputs = guard_outputs(verdict, olds)
    except Exception as error:  # whatever breaks judging must not bypass onError, nor reach the engine as a traceback
        problem = describe_unexpected(error)
        account = guard.account_id
        message = f"{GUARD_SUBJECT}: could not judge the AI Gateway balance of account {account}: {problem}. {REPORT}"
        verdict = Verdict("unreadable", message, stops_deploy=guard.on_error == "fail")
        outputs = guard_outputs(verdict, olds)
    return outputs, (verdict.message if verdict.stops_deploy else None)


def _record(
    inputs: Mapping[str, PropertyValue], outputs: Mapping[str, Any], olds: Mapping[str, PropertyValue]
) -> dict[str, PropertyValue]:
    """The inputs as given (secret marks kept) and the outputs: all secret when any input is, or anything in ``olds``
    (what an unreadable account's outputs are carried over from)."""
    kept = {key: inputs[key] for key in INPUTS if key in inputs}
    secret = contains_secret(kept.values()) or contains_secret(olds.values())
    recorded = {
        camel(key): to_value(outputs[key], secret=secret) for key in OUTPUT_KEYS if outputs.get(key) is not None
    }
    return {**kept, **recorded}


def _plain(props: Mapping[str, PropertyValue]) -> dict[str, Any]:
    return {snake(key): to_plain(value) for key, value in props.items()}


def _redacted(text: str, inputs: Mapping[str, PropertyValue], guard: Guard) -> str:
    """``text`` with a secret account id and a secret floor shown as ``[secret]``."""
    forms: list[str] = []
    if contains_secret([inputs["accountId"]]):
        forms += [str(inputs["accountId"].value), guard.account_id]
    if contains_secret([inputs["floorUsd"]]):
        forms.append(format_usd(guard.rules.floor_usd))
    for form in forms:
        text = text.replace(form, SECRET_TEXT)
    return text


def check(request: api.CheckRequest, settings: PluginSettings) -> api.CheckResponse:
    """Parse, wait for unknowns, read and judge: the guard's inputs and outputs, or why the deploy must stop."""
    inputs = _with_account(request.new_inputs, settings)
    parsed = _parse(inputs)
    failures = [api.CheckFailure(p.key, unechoed(p.reason, inputs.get(p.key))) for p in parsed.problems]
    if parsed.guard is None or settings.unknown:
        return api.CheckResponse(inputs=request.new_inputs, failures=failures)  # deferred: judged at `pulumi up`
    state, failure = _judge(parsed.guard, _plain(request.old_inputs), settings)
    if failure is not None:
        reason = _redacted(failure, inputs, parsed.guard)
        return api.CheckResponse(inputs=request.new_inputs, failures=[api.CheckFailure("floorUsd", reason)])
    return api.CheckResponse(inputs=_record(inputs, state, request.old_inputs))


def read(request: api.ReadRequest, settings: PluginSettings) -> api.ReadResponse:
    """``pulumi refresh``: judge the recorded inputs again, recording what comes (failures included, as a status)."""
    props = _with_account(request.properties, settings)
    parsed = _parse(props)
    if parsed.guard is None:
        reasons = [problem.reason for problem in parsed.problems]
        raise _unusable_state(request.resource_id, reasons, imported=not request.properties)
    refreshed = _record(props, _judge(parsed.guard, _plain(props), settings)[0], props)
    return api.ReadResponse(resource_id=request.resource_id, properties=refreshed, inputs=refreshed)


def _unusable_state(resource_id: str, reasons: list[str], *, imported: bool) -> ConfigurationError:
    if imported:
        head = f"{GUARD_SUBJECT} {resource_id} cannot be imported: a guard has nothing at Cloudflare to import"
    else:
        head = (
            f"{GUARD_SUBJECT} {resource_id} cannot be refreshed: its state lacks usable inputs ({'; '.join(reasons)})"
        )
    return ConfigurationError(f"{head}. Declare it in the program (floorUsd is required) and run pulumi up.")


def _fingerprint(value: PropertyValue | None) -> tuple[Any, bool] | None:
    return None if value is None or value.value is None else (to_plain(value), contains_secret([value]))


def diff(request: api.DiffRequest) -> api.DiffResponse:
    """Changed inputs or outputs (a new reading, a value turned secret) update the guard; nothing replaces it."""
    olds, news = request.old_state, request.new_inputs
    changed = [key for key in (*INPUTS, *OUTPUTS) if _fingerprint(olds.get(key)) != _fingerprint(news.get(key))]
    return api.DiffResponse(changes=bool(changed), diffs=changed)


def create(request: api.CreateRequest) -> api.CreateResponse:
    """Record what ``check`` returned: nothing is created at Cloudflare. A preview gets no id (the engine's unknown)."""
    resource_id = "" if request.preview else f"credit-guard-{uuid.uuid4().hex[:12]}"
    return api.CreateResponse(resource_id=resource_id, properties=request.properties)


def update(request: api.UpdateRequest) -> api.UpdateResponse:
    """Record what ``check`` returned."""
    return api.UpdateResponse(properties=request.news)
