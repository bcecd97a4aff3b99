"""The exporter's engine: every account read and judged in the background, every interval, never per scrape.

A cycle reads each account with :func:`.._assess.read_for` (one client for the whole exporter, so
one rate-limit pacer) and judges it with :func:`.._assess.assess` and :func:`.._topup.topup_problem`,
the guard's own rules. A failed read keeps the account's last good values and marks it unreadable.

The exporter also spends at most ``request_budget`` requests per 5 minutes (default: half of
Cloudflare's 1,200 per token), waiting between reads when a cycle would spend more: the other half
stays free for the deploys and CI jobs that share the token. A large fleet makes a cycle longer, and
the time of each account's last good read shows it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType

from .._assess import Reading, Rules, assess, read_for
from .._client import CreditBalanceClient
from .._exceptions import CloudflareBillingError, ConfigurationError
from .._inputs import parse_whole_number
from .._pacing import CLOUDFLARE_LIMIT, CLOUDFLARE_WINDOW_S, RequestPacer
from .._text import shown
from .._topup import topup_problem
from .._verdict import Runway
from ._defaults import DEFAULT_CONCURRENCY, DEFAULT_INTERVAL_S, DEFAULT_REQUEST_BUDGET, SYNC_CLIENT_CONNECTIONS

__all__ = [
    "AccountState",
    "Cycle",
    "Exporter",
    "Judgement",
]


@dataclass(frozen=True, slots=True)
class Judgement:
    """One successful read of an account, judged at ``read_at`` (aware UTC): runway, the guard's problems, top-up.

    ``problems`` is what the guard would refuse a deploy for (empty: allowed); ``topup_problem`` why
    auto top-up would not work, ``None`` when it would.
    """

    reading: Reading
    read_at: datetime
    runway: Runway | None
    problems: tuple[str, ...]
    topup_problem: str | None


@dataclass(frozen=True, slots=True)
class AccountState:
    """What the exporter knows of one account: its last good judgement, kept across failed reads.

    ``error`` is what the last read failed with, ``None`` when it succeeded.
    """

    account_id: str
    last_good: Judgement | None
    error: CloudflareBillingError | None = None


@dataclass(frozen=True, slots=True)
class Cycle:
    """One pass over every account: the errors of those that could not be read, seconds taken, the states after it."""

    errors: tuple[CloudflareBillingError, ...]
    elapsed_s: float
    states: tuple[AccountState, ...]


class Exporter:
    """Reads ``account_ids`` through ``client`` every ``interval_s`` seconds in a background thread; keeps the results.

    ``rules`` are the guard's (what a deploy needs, how recent a failed top-up must be to count).
    ``concurrency`` accounts (at most the client's connections) are read at a
    time, within ``request_budget`` requests per 5 minutes. ``on_cycle`` is called after each cycle (from
    the background thread).
    ``now`` (wall clock, aware), ``monotonic`` and ``wait`` (wait up to that many seconds; ``True``
    when the exporter is stopping) are injectable for tests; any positive ``interval_s`` is accepted
    here, the command line asks for at least 60. Account ids are read once each, duplicates dropped.
    Raises :class:`ConfigurationError` for an unusable setting.
    """

    def __init__(
        self,
        client: CreditBalanceClient,
        account_ids: Iterable[str],
        rules: Rules,
        *,
        interval_s: float = DEFAULT_INTERVAL_S,
        concurrency: int = DEFAULT_CONCURRENCY,
        request_budget: int = DEFAULT_REQUEST_BUDGET,
        on_cycle: Callable[[Cycle], object] | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
        wait: Callable[[float], bool] | None = None,
    ) -> None:
        self.account_ids = tuple(dict.fromkeys(account_ids))
        if not self.account_ids:
            raise ConfigurationError("The exporter needs at least one account id.")
        if isinstance(interval_s, bool) or not isinstance(interval_s, (int, float)) or not 0 < interval_s < math.inf:
            raise ConfigurationError(f"interval_s must be a positive number of seconds; got {shown(interval_s)}.")
        try:
            self._concurrency = parse_whole_number(concurrency, what="concurrency", minimum=1, maximum=1000)
            budget = parse_whole_number(request_budget, what="request_budget", minimum=1, maximum=CLOUDFLARE_LIMIT)
        except ValueError as error:
            raise ConfigurationError(f"{error}.") from None
        self.rules, self.interval_s = rules, float(interval_s)
        self._client = client
        self._on_cycle, self._now, self._monotonic = on_cycle, now, monotonic
        self._budget = RequestPacer(budget, CLOUDFLARE_WINDOW_S)
        self._requests_per_read = 1 + rules.needs_usage + rules.require_spending_limit
        self._stop = threading.Event()
        self._wait = wait or self._stop.wait
        self._states: dict[str, AccountState] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def snapshot(self) -> tuple[AccountState, ...]:
        """Every account read at least once, in the order given."""
        with self._lock:
            return tuple(self._states[i] for i in self.account_ids if i in self._states)

    def refresh(self) -> Cycle:
        """Read and judge every account once, now, in this thread; keep last good values where a read fails."""
        started = self._monotonic()
        workers = min(self._concurrency, len(self.account_ids), SYNC_CLIENT_CONNECTIONS)
        with ThreadPoolExecutor(workers, "cf-billing-metrics") as pool:
            errors = tuple(error for error in pool.map(self._read, self.account_ids) if error is not None)
        cycle = Cycle(errors, self._monotonic() - started, self.snapshot())
        if self._on_cycle is not None:
            self._on_cycle(cycle)
        return cycle

    def run(self) -> None:
        """Refresh every ``interval_s`` seconds (start to start; at once after a longer cycle) until stopped."""
        while not self._stop.is_set():
            started = self._monotonic()
            self.refresh()
            if self._wait(max(0.0, started + self.interval_s - self._monotonic())):
                return

    def start(self) -> Exporter:
        """Run :meth:`run` in a background daemon thread; returns ``self``. An exporter starts once."""
        if self._thread is not None or self._stop.is_set():
            raise RuntimeError("This exporter was started already: make a new one.")
        self._thread = threading.Thread(target=self.run, name="cf-billing-metrics-loop", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the background loop: reads in flight finish (each within the client's deadline), no new one starts."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> Exporter:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _read(self, account_id: str) -> CloudflareBillingError | None:
        """Read and judge one account within the budget; the error it failed with, if it did."""
        if not self._spend_budget():
            return None
        now = self._now()
        try:
            reading = read_for(self._client, account_id, self.rules, now)
        except CloudflareBillingError as error:
            with self._lock:
                kept = self._states.get(account_id)
                self._states[account_id] = AccountState(account_id, None if kept is None else kept.last_good, error)
            return error
        runway, problems = assess(reading, self.rules, now)
        working = topup_problem(reading.balance, self.rules.floor_usd, now, self.rules.topup_failure_window_days)
        judged = Judgement(reading, now, runway, tuple(problems), working)
        with self._lock:
            self._states[account_id] = AccountState(account_id, judged)
        return None

    def _spend_budget(self) -> bool:
        """Wait until one read's requests fit in the budget; ``False`` when the exporter stopped meanwhile."""
        now = self._monotonic()
        delay = max(self._budget.reserve(now) for _ in range(self._requests_per_read))
        return not (self._stop.is_set() or (delay > 0 and self._wait(delay)))
