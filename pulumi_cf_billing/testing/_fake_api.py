"""A fake Cloudflare API: a real HTTP server on loopback serving the AI Gateway billing endpoints.

It answers ``GET /client/v4/accounts/{id}/ai-gateway/billing/{endpoint}`` for every endpoint of the
endpoint table (``credit-balance``, ``usage-history``, ``spending-limit``) as Cloudflare does,
checking in its order: route and method, credentials, rate limit (when enforced), account, then any
injected fault, else the account's data (the endpoint's ``fake`` answer). Every response is Cloudflare's JSON
envelope (but the faults imitating its HTML edge pages) with a unique ``cf-ray`` header. Beside the
API root, ``POST /_fake/accounts/{id}`` changes an account while the fake runs (see ``_control``).

This module holds the state and decides each answer; ``_server`` does the HTTP, in a background
thread (one more per connection, HTTP/1.1 keep-alive). The state is guarded by one lock, so tests
may change it while requests are in flight. Credentials are kept in memory only to check them:
they are never logged, printed or recorded.
"""

from __future__ import annotations

import itertools
import math
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from .._endpoints import ENDPOINTS, Endpoint
from .._pacing import CLOUDFLARE_LIMIT, CLOUDFLARE_WINDOW_S
from .._text import shown
from ._accounts import PAYMENT_METHOD_DEFAULT, DefaultPaymentMethod, FakeAccount, Money, default_payment_method
from ._auth import Credentials, Grant
from ._changes import NoSuchAccountError, parse_changes
from ._control import CONTROL_ROOT, control_response, is_control_path
from ._faults import (
    METHOD_NOT_ALLOWED,
    NO_ROUTE,
    NOT_GRANTED,
    RATE_LIMITED_RESPONSE,
    CannedResponse,
    Fault,
    Reply,
    error_response,
    no_such_account,
    success,
)
from ._rate_limit import SlidingWindow
from ._server import AuthKind, FakeServer, IncomingRequest, ServerHooks
from ._usage import QueryProblem

_ROUTE = re.compile(r"/client/v4/accounts/([^/]+)/ai-gateway/billing/([^/]+)")
_ACCOUNT_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received. The credential itself is never stored, only its kind.

    ``path`` includes any query string; ``account_id`` is the path's account segment when the
    path is one of the billing routes (well-formed or not), else ``None``; ``endpoint`` is that
    route's last segment (``credit-balance``, ``usage-history`` or ``spending-limit``).
    """

    method: str
    path: str
    account_id: str | None
    auth_kind: AuthKind
    endpoint: str | None = None


@dataclass
class _Injection:
    fault: Fault
    remaining: int | None  # None: until cleared


class FakeCloudflareAPI:
    """A fake of Cloudflare's AI Gateway billing endpoints, served over real sockets on loopback.

    It answers ``credit-balance``, ``usage-history`` (``value_grouping_window`` required, ``start_time``
    and ``end_time`` in epoch milliseconds) and ``spending-limit`` for its accounts, or the
    ``endpoints`` given (endpoints of the table, ``pulumi_cf_billing._endpoints``, each answered by its ``fake``).

    Start it (``start()`` or ``with``), add accounts and credentials, point a client at
    :attr:`base_url`. It begins empty: no accounts, no credentials, so every request is refused
    until ``add_account`` and ``add_token`` / ``add_global_key`` have been called.
    """

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, endpoints: Iterable[Endpoint[Any]] = ENDPOINTS.values()
    ) -> None:
        """Listen on ``host`` (an IPv4 address) and ``port`` once started; port 0 picks a free one."""
        self._address = (host, port)
        self._endpoints = {endpoint.name: endpoint for endpoint in endpoints}
        self._lock = threading.RLock()
        self._request_seen = threading.Condition(self._lock)
        self._rays = itertools.count(secrets.randbits(64))
        self._server: FakeServer | None = None
        self._thread: threading.Thread | None = None
        self._accounts: dict[str, FakeAccount] = {}
        self._reset_state()

    def _reset_state(self) -> None:
        with self._lock:
            self._accounts.clear()
            self._credentials = Credentials()
            self._faults: dict[str, deque[_Injection]] = {}
            self._requests: list[RecordedRequest] = []
            self._errors: list[BaseException] = []
            self._limiter: SlidingWindow | None = None
            self._latency_s = 0.0

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeCloudflareAPI:
        """Start serving in a background thread; return ``self``. Raises if already started."""
        if self._server is not None:
            raise RuntimeError("the fake Cloudflare API is already running")
        hooks = ServerHooks(self._handle, self._record_error, self._next_ray, lambda: self._latency_s)
        server = FakeServer(self._address, hooks)
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-cloudflare-api", daemon=True
        )
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop serving and close every connection; returns promptly even mid-request. Idempotent.

        Requests waiting in a slow fault or in ``latency_s`` are cut short: their connections
        close without a response.
        """
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._server = self._thread = None
        server.stop()
        thread.join()

    def __enter__(self) -> FakeCloudflareAPI:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT/client/v4``, the API root to give a client. Only while running."""
        return f"{self._origin()}/client/v4"

    @property
    def control_url(self) -> str:
        """``http://HOST:PORT/_fake``, the control endpoint's root (see :meth:`change_account`). Only while running."""
        return f"{self._origin()}{CONTROL_ROOT}"

    def _origin(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake Cloudflare API is not running: call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- state -----------------------------------------------------------------------------

    def add_account(
        self,
        account_id: str,
        balance_cents: Money = 5000,
        *,
        has_default_payment_method: bool = True,
        payment_method: Mapping[str, Any] | DefaultPaymentMethod | None = PAYMENT_METHOD_DEFAULT,
        topup_amount_cents: Money | None = 2000,
        topup_threshold_cents: Money | None = 1000,
        disabled_reason: str | None = None,
        topup_error: str | None = None,
        last_failed_at_ms: int | None = None,
        first_topup_success: bool | None = True,
        extra_fields: Mapping[str, Any] | None = None,
        spend_usd_per_day: Money = 0,
        spending_limit: Mapping[str, Any] | None = None,
    ) -> FakeAccount:
        """Add (or replace) an account and return its mutable state. Money in US cents, but usage in US dollars.

        ``payment_method`` defaults to ``{"brand": "visa", "last4": "4242"}``; ``None`` means the
        account has none (``"payment_method": null``). Raises ``ValueError`` unless ``account_id``
        is 32 lowercase hexadecimal characters, since the server could never route to it.
        """
        if not _ACCOUNT_ID.fullmatch(account_id):
            raise ValueError(f"account_id must be 32 lowercase hexadecimal characters; got {account_id!r}")
        if isinstance(payment_method, DefaultPaymentMethod):
            payment_method = default_payment_method()
        account = FakeAccount(
            account_id,
            balance_cents,
            has_default_payment_method,
            None if payment_method is None else dict(payment_method),
            topup_amount_cents,
            topup_threshold_cents,
            disabled_reason,
            topup_error,
            last_failed_at_ms,
            first_topup_success,
            dict(extra_fields or {}),
            spend_usd_per_day,
            None if spending_limit is None else dict(spending_limit),
        )
        with self._lock:
            self._accounts[account_id] = account
        return account

    def change_account(self, account_id: str, changes: Mapping[str, object]) -> FakeAccount:
        """Change a served account by knob names, as the CLI and the control endpoint do; return it.

        ``changes`` maps knobs to values, e.g. ``{"balance_cents": 999, "topup_error": "card declined"}``
        (money in US cents, but ``spend_usd_per_day`` in US dollars; the knobs are listed in
        ``pulumi_cf_billing.testing._changes``). All or nothing: a bad value raises ``ValueError``
        naming it before anything changes; an account not served raises ``LookupError``.
        """
        with self._lock:
            account = self._accounts.get(account_id)
            if account is None:
                served = "serve it first (add_account, or fake-api --account ID=BALANCE_CENTS)"
                raise NoSuchAccountError(f"no account {shown(account_id)} is served: {served}")
            parsed = parse_changes(account_id, changes, int(time.time() * 1000))
            for name, value in parsed.fields.items():
                setattr(account, name, value)
            if parsed.faults is not None:
                self._faults[account_id] = deque(_Injection(fault, None) for fault in parsed.faults)
            return account

    @property
    def accounts(self) -> dict[str, FakeAccount]:
        """The accounts served, by id: the live mapping, so edits take effect on the next request."""
        return self._accounts

    def add_token(self, token: str, accounts: Iterable[str] | None = None) -> None:
        """Accept ``Authorization: Bearer <token>`` for ``accounts`` (``None``: every account)."""
        with self._lock:
            self._credentials.add_token(token, accounts)

    def add_global_key(self, email: str, key: str, accounts: Iterable[str] | None = None) -> None:
        """Accept ``X-Auth-Email`` + ``X-Auth-Key`` for ``accounts`` (``None``: every account)."""
        with self._lock:
            self._credentials.add_global_key(email, key, accounts)

    def inject(self, account_id: str, fault: Fault, times: int | None = None) -> None:
        """Make requests for ``account_id`` meet ``fault``: the next ``times`` ones, or all until cleared.

        Injections queue up in order: after ``inject(a, f, times=2)`` and ``inject(a, g, times=1)``
        the next requests see ``f``, ``f``, ``g``, then normal service.
        """
        if times is not None and times < 1:
            raise ValueError(f"times must be at least 1, or None for 'until cleared'; got {times}")
        with self._lock:
            self._faults.setdefault(account_id, deque()).append(_Injection(fault, times))

    def clear_faults(self, account_id: str | None = None) -> None:
        """Remove the faults injected for ``account_id`` (``None``: for every account)."""
        with self._lock:
            if account_id is None:
                self._faults.clear()
            else:
                self._faults.pop(account_id, None)

    @property
    def latency_s(self) -> float:
        """Seconds to wait before every response (default 0), e.g. to make benchmarks realistic."""
        return self._latency_s

    @latency_s.setter
    def latency_s(self, seconds: float) -> None:
        if not 0 <= seconds < math.inf:
            raise ValueError(f"latency_s must be a finite number of seconds >= 0; got {seconds!r}")
        self._latency_s = seconds

    def enforce_rate_limit(self, limit: int = CLOUDFLARE_LIMIT, window_s: float = CLOUDFLARE_WINDOW_S) -> None:
        """Allow each credential ``limit`` requests in any ``window_s`` seconds (Cloudflare's default).

        Over the limit: 429, error 971, ``Retry-After`` in whole seconds until a slot frees. Every
        response to an authenticated request then carries ``Ratelimit`` and ``Ratelimit-Policy``.
        """
        if limit < 1 or not 0 < window_s < math.inf:
            raise ValueError("limit must be >= 1 and window_s a positive number of seconds")
        with self._lock:
            self._limiter = SlidingWindow(limit, window_s)

    def reset(self) -> None:
        """Back to empty: no accounts, credentials, faults, requests or errors; no latency or rate limit."""
        self._reset_state()

    # -- observation -----------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received since the last reset, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    def request_count(self, account_id: str | None = None, endpoint: str | None = None) -> int:
        """How many requests reached the billing routes (any method, any outcome).

        Only those for ``account_id`` and ``endpoint`` (``credit-balance``, ``usage-history``,
        ``spending-limit``) when given, else for every account and endpoint.
        """
        with self._lock:
            return sum(
                1
                for r in self._requests
                if r.account_id is not None and account_id in (None, r.account_id) and endpoint in (None, r.endpoint)
            )

    def wait_for_requests(self, count: int, timeout_s: float = 5.0) -> bool:
        """Block until ``request_count()`` reaches ``count``; ``False`` if ``timeout_s`` passed first.

        For tests that must know a request is in flight (say, inside a slow fault) without sleeping.
        """
        with self._request_seen:
            return self._request_seen.wait_for(lambda: self.request_count() >= count, timeout_s)

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions raised while handling requests since the last reset (each answered with a 500)."""
        with self._lock:
            return list(self._errors)

    # -- serving (called from the server's threads) ----------------------------------------

    def _record_error(self, error: BaseException) -> None:
        with self._lock:
            self._errors.append(error)

    def _next_ray(self) -> str:
        with self._lock:
            return f"{next(self._rays) % 2**64:016x}-SJC"

    def _handle(self, request: IncomingRequest) -> Reply:
        """Decide the answer to one request: a control request (not recorded), or an API one in Cloudflare's order."""
        if is_control_path(request.path):
            return Reply(control_response(request, self.change_account))
        method, path, credentials = request.method, request.path, request.credentials
        with self._lock:
            account_id, endpoint = self._route(path)
            self._requests.append(RecordedRequest(method, path, account_id, credentials.kind, endpoint))
            self._request_seen.notify_all()
            if account_id is None or endpoint is None:
                return Reply(NO_ROUTE)
            if method != "GET":
                return Reply(METHOD_NOT_ALLOWED)
            grant = self._credentials.authenticate(credentials)
            if isinstance(grant, CannedResponse):
                return Reply(grant)
            return self._serve_granted(account_id, endpoint, path.partition("?")[2], grant)

    def _route(self, path: str) -> tuple[str | None, str | None]:
        match = _ROUTE.fullmatch(path.partition("?")[0])
        return (match.group(1), match.group(2)) if match and match.group(2) in self._endpoints else (None, None)

    def _serve_granted(self, account_id: str, endpoint: str, query: str, grant: Grant) -> Reply:
        # Cloudflare's limit is per user over all calls, so refused calls below still spend it.
        allowed, limit_headers = self._limiter.hit(grant.identity) if self._limiter else (True, ())
        if not allowed:
            return Reply(RATE_LIMITED_RESPONSE.with_headers(limit_headers))
        refusal = self._check_account(account_id, endpoint, grant)
        reply = Reply(refusal) if refusal else self._serve_account(account_id, endpoint, query)
        return reply.with_headers(limit_headers)

    def _check_account(self, account_id: str, endpoint: str, grant: Grant) -> CannedResponse | None:
        if not _ACCOUNT_ID.fullmatch(account_id) or account_id not in self._accounts:
            return no_such_account(account_id, endpoint)
        if grant.accounts is not None and account_id not in grant.accounts:
            return NOT_GRANTED
        return None

    def _serve_account(self, account_id: str, endpoint: str, query: str) -> Reply:
        fault = self._next_fault(account_id)
        if fault is not None and fault.response is not None:
            return Reply(fault.response)
        answer = self._endpoints[endpoint].fake
        try:
            return Reply(success(answer(self._accounts[account_id], query, int(time.time() * 1000))), fault)
        except QueryProblem as problem:
            return Reply(error_response(400, (10001, str(problem))))

    def _next_fault(self, account_id: str) -> Fault | None:
        queue = self._faults.get(account_id)
        if not queue:
            return None
        head = queue[0]
        if head.remaining is not None:
            head.remaining -= 1
            if head.remaining == 0:
                queue.popleft()
        return head.fault
