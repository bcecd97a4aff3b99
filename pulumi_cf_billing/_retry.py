"""Retry policy and deadline: pure decisions, no sleeping here.

Retried: 429, 5xx except 501, timeouts and dropped connections. Backoff is exponential with
full jitter, but never shorter than the server's ``Retry-After`` hint, and every wait must end
inside the overall deadline: a hint that ends after it fails at once, saying when to retry.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from ._config import DEFAULT_TIMEOUT_S
from ._exceptions import (
    APIError,
    ConfigurationError,
    DeadlineExceededError,
    RateLimitedError,
    ServerError,
    TransportError,
)
from ._pacing import CLOUDFLARE_LIMIT, CLOUDFLARE_WINDOW_S

__all__ = ["RetryPolicy", "Timeout"]


@dataclass(frozen=True, slots=True)
class Timeout:
    """Deadlines in seconds.

    ``total_s`` (default 30) bounds everything one read does, retries and waits included;
    ``attempt_s`` (default 10) bounds one HTTP attempt; ``connect_s`` (default 5) one connection.
    """

    total_s: float = DEFAULT_TIMEOUT_S
    attempt_s: float = 10.0
    connect_s: float = 5.0

    def __post_init__(self) -> None:
        for name in ("total_s", "attempt_s", "connect_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
                raise ConfigurationError(f"Timeout {name} must be a positive, finite number of seconds; got {value!r}.")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How to retry: at most ``max_attempts`` tries.

    Waits start at ``initial_backoff_s`` seconds and double up to ``max_backoff_s``, with full jitter.
    """

    max_attempts: int = 5
    initial_backoff_s: float = 0.5
    max_backoff_s: float = 8.0

    def __post_init__(self) -> None:
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int) or self.max_attempts < 1:
            raise ConfigurationError(
                f"RetryPolicy max_attempts must be a whole number of at least 1; got {self.max_attempts!r}."
            )
        for name in ("initial_backoff_s", "max_backoff_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
                raise ConfigurationError(f"RetryPolicy {name} must be a finite number of seconds >= 0; got {value!r}.")

    def delay_before_retry(self, error: APIError, attempt: int, remaining_s: float, rng: random.Random) -> float:
        """Seconds to wait before attempt ``attempt + 1`` after ``error``, ``remaining_s`` before the deadline.

        Raises ``error`` when it must not be retried or the attempts are used up; raises a
        :class:`RateLimitedError` saying when to retry when the server's hint ends after the
        deadline, and a :class:`DeadlineExceededError` when the backoff does.
        """
        if not is_retryable(error) or attempt >= self.max_attempts:
            raise error
        backoff = rng.uniform(0, min(self.max_backoff_s, self.initial_backoff_s * 2 ** (attempt - 1)))
        hint = error.retry_after_s if isinstance(error, RateLimitedError) else None
        delay = max(backoff, hint or 0.0)
        if hint is not None and hint >= remaining_s:
            raise _hint_past_deadline(error, hint, remaining_s)
        if delay >= remaining_s:
            raise deadline_exceeded(error.account_id, error)
        return delay


def is_retryable(error: APIError) -> bool:
    """Whether trying again may help: rate limits, server errors but 501, transport failures."""
    if isinstance(error, DeadlineExceededError):
        return False
    if isinstance(error, (RateLimitedError, TransportError)):
        return True
    return isinstance(error, ServerError) and error.status != 501


def _hint_past_deadline(error: APIError, hint: float, remaining_s: float) -> RateLimitedError:
    # The server asked for a wait longer than the deadline allows: say so now, do not sleep.
    return RateLimitedError(
        f"{error.message} The requested wait of {hint:g} s ends after the deadline "
        f"({remaining_s:.1f} s left): try again in {hint:g} s.",
        retry_after_s=hint,
        account_id=error.account_id,
        status=error.status,
        codes=error.codes,
        messages=error.messages,
        cf_ray=error.cf_ray,
    )


def deadline_exceeded(account_id: str | None, last: APIError | None) -> DeadlineExceededError:
    """The error for a read that found no usable answer before its deadline; ``last`` is the last failure."""
    if last is None:
        message = (
            f"No usable answer from Cloudflare for account {account_id} before the deadline. "
            "Check the network and try again, or allow a longer timeout."
        )
    else:  # the last failure names the account and says what to check: add only what the deadline adds
        message = (
            f"No usable answer from Cloudflare before the deadline. The last attempt failed: {last.message} "
            "A longer timeout allows more retries."
        )
    return DeadlineExceededError(
        message,
        account_id=account_id,
        status=None if last is None else last.status,
        codes=() if last is None else last.codes,
        messages=() if last is None else last.messages,
        cf_ray=None if last is None else last.cf_ray,
    )


def paced_out(account_id: str, wait_s: float, remaining_s: float) -> RateLimitedError:
    """The error for a read that client-side pacing would delay past its deadline (nothing was sent)."""
    return RateLimitedError(
        f"Not sent: this token has used Cloudflare's allowance of {CLOUDFLARE_LIMIT:,} requests in "
        f"{CLOUDFLARE_WINDOW_S / 60:g} minutes (or the "
        f"API said none remain), and the next slot for account {account_id} opens in {wait_s:.0f} s, after "
        f"the deadline ({remaining_s:.1f} s left). Try again in {wait_s:.0f} s; going over would block the "
        f"token for {CLOUDFLARE_WINDOW_S / 60:g} minutes.",
        retry_after_s=wait_s,
        account_id=account_id,
    )
