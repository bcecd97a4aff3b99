"""Reading a balance from inside a Pulumi program: the one path under the functions, the guard and the assertion.

Settings resolve as :mod:`._settings` says; every read of one account with the same credentials in
this process shares one request (the client's single-flight cache), so a program that exports the
balance, declares a guard and asserts a floor asks Cloudflare once.
"""

from __future__ import annotations

import json
from typing import Any

from ._client import CreditBalanceClient
from ._exceptions import CloudflareBillingError
from ._models import CreditBalance
from ._settings import CREDENTIALS_NAMESPACE, program_config, resolve_account_id, resolve_settings

__all__ = ["observe_in_program", "read_in_program"]


def read_in_program(
    account_id: str | None = None,
    *,
    api_token: str | None = None,
    api_key: str | None = None,
    email: str | None = None,
    base_url: str | None = None,
    namespace: str = CREDENTIALS_NAMESPACE,
) -> CreditBalance:
    """Read ``account_id``'s balance now. Raises :class:`CloudflareBillingError` subclasses."""
    settings = resolve_settings(
        program_config, api_token=api_token, api_key=api_key, email=email, base_url=base_url, namespace=namespace
    )
    account = resolve_account_id(program_config, account_id)
    with CreditBalanceClient(
        account_id=account, credentials=settings.credentials, base_url=settings.base_url
    ) as client:
        return client.get()


def observe_in_program(account_id: str | None, namespace: str = CREDENTIALS_NAMESPACE) -> dict[str, Any]:
    """What a guard hands its provider: ``{"result": <Cloudflare's result object>}`` or ``{"error": <message>}``.

    Made in the program, the read is the one the program's other reads of the account share; the
    provider judges it without asking Cloudflare again. Never raises for an unreadable balance: the
    provider turns the error into one clean line, or a warning with ``on_error="warn"``.
    """
    try:
        balance = read_in_program(account_id, namespace=namespace)
    except CloudflareBillingError as error:
        return {"error": error.message}
    # Decimals become JSON numbers; the provider parses them back with the same parser.
    return {"result": json.loads(json.dumps(dict(balance.raw), default=float))}
