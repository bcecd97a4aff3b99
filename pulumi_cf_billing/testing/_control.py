"""The fake's control endpoint: change an account while the fake runs, from a script or ``cf-billing fake-api set``.

``POST /_fake/accounts/{account_id}`` with a JSON object of knobs (see ``_changes``), e.g.
``{"balance_cents": 999}``, changes that account at once; the answer is Cloudflare's envelope with
the account's knobs as ``result``. A bad knob is a 400 naming it, an account the fake does not
serve a 404. The route lies outside the API root ``/client/v4``, so no API client can reach it
through its base URL, and it asks for no credential: instead it answers loopback peers only (403
for anyone else), whatever address the fake listens on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping

from ._accounts import FakeAccount
from ._changes import NoSuchAccountError, knob_values
from ._faults import METHOD_NOT_ALLOWED, CannedResponse, error_response, success
from ._server import IncomingRequest

__all__ = ["CONTROL_ROOT", "control_response", "is_control_path"]

CONTROL_ROOT = "/_fake"
"""Where the control endpoint's routes start, beside (never under) the API root ``/client/v4``."""

_ROUTE = re.compile(r"/_fake/accounts/([^/]*)")
_NO_ROUTE = error_response(404, (7000, "No control route for that URI: use POST /_fake/accounts/{account_id}"))
_LOOPBACK_ONLY = error_response(403, (10403, "The fake's control endpoint answers requests from loopback only"))
_NOT_AN_OBJECT = error_response(400, (10400, 'The body must be a JSON object of changes, like {"balance_cents": 999}'))

Change = Callable[[str, Mapping[str, object]], FakeAccount]
"""``FakeCloudflareAPI.change_account``: applies changes to an account and returns it."""


def is_control_path(path: str) -> bool:
    """Whether ``path`` (query included) is for the control endpoint rather than the API."""
    route = path.partition("?")[0]
    return route == CONTROL_ROOT or route.startswith(CONTROL_ROOT + "/")


def control_response(request: IncomingRequest, change: Change) -> CannedResponse:
    """Answer one control request, applying its changes through ``change``."""
    account_id = _account_id(request)
    if isinstance(account_id, CannedResponse):
        return account_id
    changes = _json_object(request.body)
    if changes is None:
        return _NOT_AN_OBJECT
    try:
        account = change(account_id, changes)
    except NoSuchAccountError as error:
        return error_response(404, (7003, str(error)))
    except ValueError as error:
        return error_response(400, (10400, str(error)))
    return success(knob_values(account))


def _account_id(request: IncomingRequest) -> str | CannedResponse:
    """The account a control request is for, or why it is refused before its body is looked at."""
    if not request.from_loopback:
        return _LOOPBACK_ONLY
    match = _ROUTE.fullmatch(request.path.partition("?")[0])
    if match is None:
        return _NO_ROUTE
    return match.group(1) if request.method == "POST" else METHOD_NOT_ALLOWED


def _json_object(body: bytes) -> dict[str, object] | None:
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, a 5,000-digit number, or nested too deep
        return None
    return value if isinstance(value, dict) else None
