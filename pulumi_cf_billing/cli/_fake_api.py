"""``cf-billing fake-api``: serve the fake Cloudflare API in the foreground until SIGINT or SIGTERM.

The base URL is the only thing printed on stdout (first line, flushed), so a script can read it;
notes for people go to stderr. Tokens are never printed.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from .._config import ENV_API_TOKEN
from .._exceptions import ConfigurationError
from ..testing import FakeCloudflareAPI
from ._args import FakeApiCommand
from ._exit_codes import ExitCode
from ._signals import stop_on_signals

__all__ = ["DEMO_ACCOUNT", "DEMO_TOKEN", "run_fake_api"]

DEMO_ACCOUNT = ("0123456789abcdef0123456789abcdef", Decimal(5000))
DEMO_TOKEN = "fake-token"  # noqa: S105  # the fake API's published demo token, not a secret


def _tokens(command: FakeApiCommand) -> tuple[str, ...]:
    if command.tokens:
        return command.tokens
    if os.environ.get(ENV_API_TOKEN):
        print(f"cf-billing: the fake API accepts the token in {ENV_API_TOKEN}.", file=sys.stderr)
        return (os.environ[ENV_API_TOKEN],)
    print(f"cf-billing: no --token given: the fake API accepts the demo token {DEMO_TOKEN!r}.", file=sys.stderr)
    return (DEMO_TOKEN,)


def _fake_api(command: FakeApiCommand) -> FakeCloudflareAPI:
    """The fake, not yet started, with its accounts and tokens; a token it cannot accept is a usage error."""
    api = FakeCloudflareAPI(command.host, command.port)
    for account_id, cents in command.accounts or (DEMO_ACCOUNT,):
        api.add_account(account_id, balance_cents=cents)
    try:
        for token in _tokens(command):
            api.add_token(token)
    except ValueError as error:  # the fake's message names the rule, never the token
        raise ConfigurationError(f"Cannot accept that API token: {error}.") from None
    return api


@contextmanager
def _serving(api: FakeCloudflareAPI, command: FakeApiCommand) -> Iterator[None]:
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


def run_fake_api(command: FakeApiCommand, stop: threading.Event | None = None) -> ExitCode:
    """Serve until SIGINT/SIGTERM (or until ``stop`` is set); exit 0."""
    stop = threading.Event() if stop is None else stop
    api = _fake_api(command)
    with stop_on_signals(stop), _serving(api, command):
        print(api.base_url, flush=True)
        print(f"cf-billing: serving; export CLOUDFLARE_BASE_URL={api.base_url} ; Ctrl-C to stop.", file=sys.stderr)
        stop.wait()
    return ExitCode.OK
