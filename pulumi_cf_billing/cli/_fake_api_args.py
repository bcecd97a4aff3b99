"""The grammar of ``cf-billing fake-api``: serve the fake, each account set for its scene, or change one while it runs.

Only shapes are checked here (account ids, ``ID=VALUE`` pairs, that each option names a served
account, a loopback URL); values stay as typed, because the fake parses every knob in one place
(``pulumi_cf_billing.testing._changes``), so ``--spend-usd-per-day ID=abc`` when serving and
``set --spend-usd-per-day abc`` later are refused with the same message. This module must not
import the testing package: ``cf-billing`` loads the fake only to run ``fake-api``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import chain
from urllib.parse import urlsplit

from .._config import ENV_ACCOUNT_ID, ENV_BASE_URL, is_loopback, validate_account_id, validate_base_url
from .._exceptions import ConfigurationError, InvalidAccountIdError
from ._accounts import resolve_account_ids
from ._types import port_number

__all__ = [
    "DEFAULT_TOPUP_ERROR",
    "DEMO_ACCOUNT",
    "AccountSetting",
    "ChangeFakeAccount",
    "FakeApiCommand",
    "ServeFakeApi",
    "add_fake_api",
    "fake_api_command",
]

DEMO_ACCOUNT = ("0123456789abcdef0123456789abcdef", "5000")
"""The account served when no ``--account`` is given, and its balance in US cents."""
DEFAULT_HOST = "127.0.0.1"
DEFAULT_TOPUP_ERROR = "Your card was declined."
"""The top-up error ``--topup-failing`` sets when given no text."""

Changes = tuple[tuple[str, str | bool | None], ...]
"""Knob names and values as typed, in order (``None``: clear), for the fake to parse."""


@dataclass(frozen=True)
class AccountSetting:
    """One per-account option of ``fake-api``: its name (for messages), the account, the knobs it sets."""

    option: str
    account_id: str
    changes: Changes


@dataclass(frozen=True)
class ServeFakeApi:
    """``cf-billing fake-api``: ``accounts`` as (id, balance in US cents as typed), then ``settings`` in order."""

    host: str
    port: int
    accounts: tuple[tuple[str, str], ...]
    tokens: tuple[str, ...]
    settings: tuple[AccountSetting, ...] = ()


@dataclass(frozen=True)
class ChangeFakeAccount:
    """``cf-billing fake-api set``: POST ``changes`` for ``account_id`` to the fake's control endpoint at ``origin``.

    ``origin`` is ``http://HOST:PORT`` of a fake on loopback.
    """

    origin: str
    account_id: str
    changes: Changes


FakeApiCommand = ServeFakeApi | ChangeFakeAccount

FAULT_KINDS_HELP = (
    "drop_connection, endless_body, gzip_bomb, not_json, null_result, rate_limited, server_error, "
    "trickle_body, trickle_headers, truncated_body, unsuccessful"
)
EPILOG = f"""\
Each per-account option names an account served: one of the --account ids, or the demo account.

Change an account while the fake runs (no restart), from another terminal:
  cf-billing fake-api set --account-id ID --balance-cents 999
  (--url defaults to ${ENV_BASE_URL}, the URL printed here; see cf-billing fake-api set --help)
or POST a JSON object of knobs to the control endpoint, beside the API root (loopback only, no token):
  curl -X POST http://127.0.0.1:PORT/_fake/accounts/ID -d '{{"balance_cents": 999}}'
Knobs: balance_cents, spend_usd_per_day (US dollars), topup_amount_cents, topup_threshold_cents,
topup_error, has_default_payment_method, fault; null clears one. Numbers as JSON numbers or text.
The answer is the account's knobs; a bad value is a 400 naming it, and then nothing changes."""

SET_EPILOG = """\
The fake checks every value and answers 400 naming a bad one; then nothing changes. Exit codes:
0 changed (the account's knobs are printed as JSON), 2 refused (bad value, unknown account, bad
URL), 3 the fake could not be reached or answered something else."""


def _account_id(text: str, form: str) -> str:
    try:
        return validate_account_id(text)
    except InvalidAccountIdError as error:
        raise argparse.ArgumentTypeError(f"expected {form}: {error}") from None


def _account_balance(text: str) -> tuple[str, str]:
    """``ACCOUNT_ID=BALANCE_CENTS``: a valid account id, and the balance as typed (the fake parses it)."""
    account, _, cents = text.partition("=")
    return _account_id(account, "ACCOUNT_ID=BALANCE_CENTS"), cents


Shape = Callable[[str | None], Changes | None]
"""An option's value (``None``: none given) as knobs, or ``None`` when the value is not of the option's form."""


def _knob(name: str) -> Shape:
    return lambda value: None if value is None else ((name, value),)


def _topup(value: str | None) -> Changes | None:
    if value is not None and value.strip() == "off":
        return (("topup_amount_cents", None), ("topup_threshold_cents", None))
    amount, comma, threshold = (value or "").partition(",")
    return (("topup_amount_cents", amount), ("topup_threshold_cents", threshold)) if comma else None


def _topup_failing(value: str | None) -> Changes:
    return (("topup_error", value or DEFAULT_TOPUP_ERROR),)


def _fault(value: str | None) -> Changes | None:
    return None if value is None else (("fault", None if value == "none" else value),)


def _no_payment_method(value: str | None) -> Changes | None:
    return (("has_default_payment_method", False),) if value is None else None


def _per_account(option: str, form: str, shape: Shape) -> Callable[[str], AccountSetting]:
    """The argparse type of ``option ID[=VALUE]``: the account and the knobs ``shape`` makes of the value."""

    def parse(text: str) -> AccountSetting:
        account, equals, value = text.partition("=")
        changes = shape(value if equals else None)
        if changes is None:
            raise argparse.ArgumentTypeError(f"expected {form}")
        return AccountSetting(option, _account_id(account, form), changes)

    return parse


def _whole_value(form: str, shape: Shape) -> Callable[[str], Changes]:
    """The argparse type of a ``set`` option's value: the knobs ``shape`` makes of it."""

    def parse(text: str) -> Changes:
        changes = shape(text)
        if changes is None:
            raise argparse.ArgumentTypeError(f"expected {form}")
        return changes

    return parse


_PER_ACCOUNT: tuple[tuple[str, str, Shape, str], ...] = (
    (
        "--spend-usd-per-day",
        "ID=AMOUNT",
        _knob("spend_usd_per_day"),
        "usage cost of each whole UTC day, in US dollars, e.g. 12.5 (default 0; an hour costs a 24th)",
    ),
    (
        "--topup",
        "ID=AMOUNT_CENTS,THRESHOLD_CENTS",
        _topup,
        "auto top-up of AMOUNT when under THRESHOLD, in US cents (default 2000,1000); ID=off: none configured",
    ),
    (
        "--topup-failing",
        "ID[=ERROR]",
        _topup_failing,
        f"the last auto top-up failed just now: topup_config carries ERROR (default {DEFAULT_TOPUP_ERROR!r}) "
        "and lastFailedAt, in epoch milliseconds",
    ),
    ("--no-payment-method", "ID", _no_payment_method, "has_default_payment_method false, payment_method null"),
    ("--fault", "ID=KIND", _fault, f"every request for ID meets this fault until changed; KIND: {FAULT_KINDS_HELP}"),
)


def _add_serve_options(fake: argparse.ArgumentParser) -> None:
    fake.add_argument("--host", default=DEFAULT_HOST, help=f"IPv4 address to listen on (default {DEFAULT_HOST})")
    fake.add_argument("--port", type=port_number, default=0, help="port to listen on (default 0: any free port)")
    fake.add_argument(
        "--account",
        type=_account_balance,
        action="append",
        default=[],
        metavar="ID=BALANCE_CENTS",
        help="serve this account with this balance in US cents (repeatable; default: one demo account)",
    )
    fake.add_argument(
        "--token",
        action="append",
        default=[],
        help="accept this API token (repeatable; default: $CLOUDFLARE_API_TOKEN, else 'fake-token')",
    )
    group = fake.add_argument_group("per-account options (repeatable)")
    for option, form, shape, summary in _PER_ACCOUNT:
        parse = _per_account(option, form, shape)
        group.add_argument(option, type=parse, action="append", dest="settings", default=[], metavar=form, help=summary)


def _add_set(add_parser: Callable[..., argparse.ArgumentParser]) -> None:
    change = add_parser(
        "set",
        help="change a served account while the fake runs",
        description="Change one account of a running fake API through its control endpoint.",
        epilog=SET_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    change.add_argument("--url", dest="set_url", metavar="URL", help=f"the fake's base URL (default ${ENV_BASE_URL})")
    change.add_argument(
        "--account-id", dest="set_account_id", metavar="ID", help=f"the account to change (default ${ENV_ACCOUNT_ID})"
    )
    valued = (
        ("--balance-cents", "CENTS", _knob("balance_cents"), "the balance in US cents, e.g. 999 or 4999.5"),
        ("--spend-usd-per-day", "AMOUNT", _knob("spend_usd_per_day"), "each whole UTC day's usage cost, US dollars"),
        ("--topup", "AMOUNT_CENTS,THRESHOLD_CENTS", _topup, "auto top-up in US cents, or off"),
        ("--fault", "KIND", _fault, f"a fault every request meets until changed, or none; KIND: {FAULT_KINDS_HELP}"),
    )
    for option, form, shape, summary in valued:
        change.add_argument(
            option, type=_whole_value(form, shape), action="append", dest="set_changes", metavar=form, help=summary
        )
    change.add_argument(
        "--topup-failing",
        type=_whole_value("ERROR", _topup_failing),
        nargs="?",
        const=_topup_failing(None),
        action="append",
        dest="set_changes",
        metavar="ERROR",
        help=f"the last auto top-up failed just now, with this error (default {DEFAULT_TOPUP_ERROR!r})",
    )
    flags = (
        ("--topup-ok", (("topup_error", None),), "no failed top-up on record"),
        ("--no-payment-method", (("has_default_payment_method", False),), "no default payment method"),
        ("--payment-method", (("has_default_payment_method", True),), "the demo card as default payment method"),
    )
    for option, const, summary in flags:
        change.add_argument(option, action="append_const", const=const, dest="set_changes", help=summary)


def add_fake_api(add_parser: Callable[..., argparse.ArgumentParser]) -> None:
    """Add ``fake-api`` (and its ``set`` action) through ``add_parser``, ``parser.add_subparsers().add_parser``."""
    fake = add_parser(
        "fake-api",
        help="serve a fake Cloudflare API locally, for demos and tests",
        description="Serve the fake Cloudflare API until Ctrl-C; print its base URL.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_serve_options(fake)
    _add_set(fake.add_subparsers(dest="fake_action", title="change it while it runs", metavar="[set]").add_parser)


def fake_api_command(namespace: argparse.Namespace, environ: Mapping[str, str]) -> FakeApiCommand:
    """The typed ``fake-api`` command; raises :class:`ConfigurationError` for what argparse cannot see."""
    accounts, tokens, settings = tuple(namespace.account), tuple(namespace.token), tuple(namespace.settings)
    serve = ServeFakeApi(namespace.host, namespace.port, accounts, tokens, settings)
    if namespace.fake_action == "set":
        if serve != ServeFakeApi(DEFAULT_HOST, 0, (), ()):
            raise ConfigurationError("`fake-api set` takes only its own options: give the serving ones without set.")
        return _change_command(namespace, environ)
    served = {account_id for account_id, _ in serve.accounts or (DEMO_ACCOUNT,)}
    for setting in serve.settings:
        if setting.account_id not in served:
            raise ConfigurationError(
                f"{setting.option} names account {setting.account_id}, which is not served: "
                f"add --account {setting.account_id}=BALANCE_CENTS."
            )
    return serve


def _change_command(namespace: argparse.Namespace, environ: Mapping[str, str]) -> ChangeFakeAccount:
    if not namespace.set_changes:
        raise ConfigurationError(
            "Nothing to change: give at least one of --balance-cents, --spend-usd-per-day, "
            "--topup, --topup-failing, --topup-ok, --no-payment-method, --payment-method, --fault."
        )
    url = namespace.set_url or environ.get(ENV_BASE_URL, "")
    if not url.strip():
        raise ConfigurationError(
            f"No URL for the fake: pass --url, the URL `cf-billing fake-api` printed, or set {ENV_BASE_URL}."
        )
    parts = urlsplit(validate_base_url(url))
    if not is_loopback(parts.hostname or ""):
        raise ConfigurationError(
            "`fake-api set` changes only a fake API on this machine: the URL must be the loopback one "
            "`cf-billing fake-api` printed."
        )
    flags = [namespace.set_account_id] if namespace.set_account_id is not None else []
    [account_id] = resolve_account_ids(flags, None, environ)
    origin = f"{parts.scheme}://{parts.netloc}"
    return ChangeFakeAccount(origin, account_id, tuple(chain.from_iterable(namespace.set_changes)))
