"""What may change about a fake account, by name: one parser per knob, for tests, the CLI and the control endpoint.

``FakeCloudflareAPI.change_account``, ``cf-billing fake-api`` (its per-account options and its
``set`` helper) and the control endpoint all go through :func:`parse_changes`, so a knob means the
same everywhere. Knobs carry their unit, that of the endpoint serving them: money in US cents as on
the credit-balance wire, but spend in US dollars, the usage-history endpoint's unit. Numbers are
JSON numbers or plain ASCII decimal text (``4999``, ``"4999.5"``), as everywhere people type them.

``balance_cents``               the credit balance in US cents, >= 0
``spend_usd_per_day``           each whole UTC day's usage cost in US dollars, >= 0 (an hour costs a 24th)
``topup_amount_cents``          auto top-up amount in US cents; ``null``: none set (auto top-up off)
``topup_threshold_cents``       the balance in US cents under which auto top-up triggers; ``null``: none set
``topup_error``                 text: the last auto top-up failed just now (``error``, ``lastFailedAt`` in
                                epoch ms); ``null``: no failure on record
``has_default_payment_method``  ``false`` also removes the payment method; ``true`` restores the demo card
``fault``                       a :data:`FAULT_NAMES` name: every request for the account meets that fault
                                until changed; ``null``: no fault
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .._inputs import parse_amount_usd, parse_bool
from .._text import shown
from ._accounts import FakeAccount, default_payment_method
from ._faults import Fault

__all__ = ["KNOBS", "MAX_TOPUP_ERROR_CHARS", "AccountChanges", "NoSuchAccountError", "knob_values", "parse_changes"]

MAX_TOPUP_ERROR_CHARS = 500
"""The longest top-up error text accepted: room for any real message, not for a flood."""


class NoSuchAccountError(LookupError):
    """A change named an account the fake does not serve."""


@dataclass(frozen=True)
class AccountChanges:
    """Parsed changes: the :class:`FakeAccount` attributes to set, and the faults that replace the account's.

    ``faults`` is ``None`` to keep the injected faults as they are, ``()`` to clear them.
    """

    fields: dict[str, Any]
    faults: tuple[Fault, ...] | None = None


def _cents(value: object, what: str) -> Decimal:
    # The grammar and bounds every amount people type shares (_inputs); only the unit differs, so
    # the message is reworded to say cents rather than shown as dollars.
    try:
        return parse_amount_usd(value, what=what)
    except ValueError:
        raise ValueError(
            f"{what} must be a plain non-negative number of US cents, like 4999 or 4999.5; got {shown(value)}"
        ) from None


def _balance(value: object, what: str, now_ms: int) -> dict[str, Any]:
    return {"balance_cents": _cents(value, what)}


def _spend(value: object, what: str, now_ms: int) -> dict[str, Any]:
    return {"spend_usd_per_day": parse_amount_usd(value, what=what)}


def _topup_amount(value: object, what: str, now_ms: int) -> dict[str, Any]:
    return {"topup_amount_cents": None if value is None else _cents(value, what)}


def _topup_threshold(value: object, what: str, now_ms: int) -> dict[str, Any]:
    return {"topup_threshold_cents": None if value is None else _cents(value, what)}


def _topup_error(value: object, what: str, now_ms: int) -> dict[str, Any]:
    if value is None:
        return {"topup_error": None, "last_failed_at_ms": None}
    if not isinstance(value, str) or not 0 < len(value) <= MAX_TOPUP_ERROR_CHARS:
        raise ValueError(
            f"{what} must be the error's text (1 to {MAX_TOPUP_ERROR_CHARS} characters), or null; got {shown(value)}"
        )
    return {"topup_error": value, "last_failed_at_ms": now_ms}


def _payment_method(value: object, what: str, now_ms: int) -> dict[str, Any]:
    has = parse_bool(value, what=what)
    return {"has_default_payment_method": has, "payment_method": default_payment_method() if has else None}


_FIELD_KNOBS: dict[str, Callable[[object, str, int], dict[str, Any]]] = {
    "balance_cents": _balance,
    "spend_usd_per_day": _spend,
    "topup_amount_cents": _topup_amount,
    "topup_threshold_cents": _topup_threshold,
    "topup_error": _topup_error,
    "has_default_payment_method": _payment_method,
}
KNOBS = (*_FIELD_KNOBS, "fault")
"""Every knob's name, in the order the module docstring describes them."""


def _faults(value: object, what: str) -> tuple[Fault, ...]:
    if value is None:
        return ()
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a fault's name, or null; got {shown(value)}")
    try:
        return (Fault.named(value),)
    except ValueError as error:
        raise ValueError(f"{what}: {error}") from None


def parse_changes(account_id: str, changes: Mapping[str, object], now_ms: int) -> AccountChanges:
    """Parse ``changes`` (knob name to value) for ``account_id`` at ``now_ms`` (epoch ms); nothing is applied.

    Raises ``ValueError`` naming the knob and the account for an unknown knob or a bad value.
    """
    unknown = [name for name in changes if name not in KNOBS]
    if unknown:
        raise ValueError(f"unknown change {shown(unknown[0])} for account {account_id}; known: {', '.join(KNOBS)}")
    fields: dict[str, Any] = {}
    for name, value in changes.items():
        if name in _FIELD_KNOBS:
            fields.update(_FIELD_KNOBS[name](value, f"{name} of account {account_id}", now_ms))
    faults = _faults(changes["fault"], f"fault of account {account_id}") if "fault" in changes else None
    return AccountChanges(fields, faults)


def knob_values(account: FakeAccount) -> dict[str, Any]:
    """The account's knobs as JSON-ready values (``last_failed_at_ms`` beside ``topup_error``), faults aside."""
    return {
        "account_id": account.account_id,
        "balance_cents": account.balance_cents,
        "spend_usd_per_day": account.spend_usd_per_day,
        "topup_amount_cents": account.topup_amount_cents,
        "topup_threshold_cents": account.topup_threshold_cents,
        "topup_error": account.topup_error,
        "last_failed_at_ms": account.last_failed_at_ms,
        "has_default_payment_method": account.has_default_payment_method,
    }
