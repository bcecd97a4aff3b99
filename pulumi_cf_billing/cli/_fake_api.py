"""``cf-billing fake-api``: serve the fake Cloudflare API in the foreground until SIGINT or SIGTERM, or change it.

Serving, the base URL is the only thing printed on stdout (first line, flushed), so a script can
read it; notes for people go to stderr. Tokens are never printed. ``fake-api set`` posts changes
to a running fake's control endpoint and prints the account's knobs as JSON.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from .._config import ENV_API_TOKEN
from .._exceptions import ConfigurationError
from .._text import SERVER_TEXT_LIMIT, clean
from ..testing import FakeCloudflareAPI
from ..testing._control import CONTROL_ROOT
from ._exit_codes import ExitCode
from ._fake_api_args import DEMO_ACCOUNT, ChangeFakeAccount, Changes, FakeApiCommand, ServeFakeApi
from ._signals import stop_on_signals

__all__ = ["DEMO_TOKEN", "run_fake_api"]

DEMO_TOKEN = "fake-token"  # noqa: S105  # the fake API's published demo token, not a secret
SET_TIMEOUT_S = 10.0
"""Seconds ``fake-api set`` waits for the fake: it answers at once unless it is stopped or hung."""


def _tokens(command: ServeFakeApi) -> tuple[str, ...]:
    if command.tokens:
        return command.tokens
    if os.environ.get(ENV_API_TOKEN):
        print(f"cf-billing: the fake API accepts the token in {ENV_API_TOKEN}.", file=sys.stderr)
        return (os.environ[ENV_API_TOKEN],)
    print(f"cf-billing: no --token given: the fake API accepts the demo token {DEMO_TOKEN!r}.", file=sys.stderr)
    return (DEMO_TOKEN,)


def _change(api: FakeCloudflareAPI, option: str, account_id: str, changes: Changes) -> None:
    try:
        api.change_account(account_id, dict(changes))
    except ValueError as error:  # the fake's message names the knob, the account and the rule
        raise ConfigurationError(f"{option}: {error}.") from None


def _fake_api(command: ServeFakeApi) -> FakeCloudflareAPI:
    """The fake, not yet started, with its accounts, their settings and tokens; a bad one is a usage error."""
    api = FakeCloudflareAPI(command.host, command.port)
    for account_id, cents in command.accounts or (DEMO_ACCOUNT,):
        api.add_account(account_id)
        _change(api, "--account", account_id, (("balance_cents", cents),))
    for setting in command.settings:
        _change(api, setting.option, setting.account_id, setting.changes)
    try:
        for token in _tokens(command):
            api.add_token(token)
    except ValueError as error:  # the fake's message names the rule, never the token
        raise ConfigurationError(f"Cannot accept that API token: {error}.") from None
    return api


@contextmanager
def _serving(api: FakeCloudflareAPI, command: ServeFakeApi) -> Iterator[None]:
    try:
        api.start()
    except OSError as error:
        raise ConfigurationError(
            f"Cannot listen on {command.host}:{command.port}: {error.strerror or error}."
        ) from None
    try:
        yield
    finally:
        api.stop()


def _serve(command: ServeFakeApi, stop: threading.Event) -> ExitCode:
    api = _fake_api(command)
    with stop_on_signals(stop), _serving(api, command):
        print(api.base_url, flush=True)
        print(f"cf-billing: serving; export CLOUDFLARE_BASE_URL={api.base_url} ; Ctrl-C to stop.", file=sys.stderr)
        print(
            "cf-billing: change an account while this runs: cf-billing fake-api set --account-id ID "
            f"--balance-cents 999 (or POST JSON to {api.control_url}/accounts/ID).",
            file=sys.stderr,
        )
        stop.wait()
    return ExitCode.OK


def _set(command: ChangeFakeAccount) -> ExitCode:
    """POST the changes; print the account's knobs (exit 0), the fake's refusal (2) or why it was not reached (3)."""
    url = f"{command.origin}{CONTROL_ROOT}/accounts/{command.account_id}"
    try:
        response = httpx.post(url, json=dict(command.changes), timeout=SET_TIMEOUT_S)
    except httpx.HTTPError as error:  # no credential is sent, so the error's text is safe to show
        print(f"cf-billing: error: cannot reach the fake API at {url}: {error}.", file=sys.stderr)
        return ExitCode.UNREADABLE
    try:
        envelope = response.json()
    except ValueError:
        envelope = None
    if response.status_code == 200 and isinstance(envelope, dict) and envelope.get("success") is True:
        print(json.dumps(envelope.get("result")))
        return ExitCode.OK
    message = _first_error(envelope) or f"HTTP {response.status_code}, which is not the fake's control endpoint"
    print(f"cf-billing: error: the fake API refused the change: {message}", file=sys.stderr)
    return ExitCode.USAGE if response.status_code in (400, 404) and _first_error(envelope) else ExitCode.UNREADABLE


def _first_error(envelope: object) -> str | None:
    """The first error message of a Cloudflare envelope, cleaned for the terminal; ``None`` if there is none."""
    errors = envelope.get("errors") if isinstance(envelope, dict) else None
    first = errors[0] if isinstance(errors, list) and errors else None
    message = first.get("message") if isinstance(first, dict) else None
    return clean(message, SERVER_TEXT_LIMIT) if isinstance(message, str) else None


def run_fake_api(command: FakeApiCommand, stop: threading.Event | None = None) -> ExitCode:
    """Serve until SIGINT/SIGTERM (or until ``stop`` is set), exit 0; or, for ``set``, change one account."""
    if isinstance(command, ChangeFakeAccount):
        return _set(command)
    return _serve(command, threading.Event() if stop is None else stop)
