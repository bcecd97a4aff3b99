"""The exit codes of ``cf-billing``: pipelines branch on them, so they never change meaning."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ExitCode"]


class ExitCode(IntEnum):
    """What a run of ``cf-billing`` concluded.

    ``UNREADABLE`` wins over ``BELOW``: when one account is below its floor and another could not
    be read, nothing can be vouched for, so the run says "unknown" (3) rather than "below" (1).
    """

    OK = 0
    """Every account was read (``check``: and meets every rule, the floor first)."""
    BELOW = 1
    """``check`` only: every account was read and at least one is below the floor or breaks a rule."""
    USAGE = 2
    """Bad arguments or configuration (account id, credentials, a number out of bounds, file); nothing was sent."""
    UNREADABLE = 3
    """At least one account could not be read: its balance, or a read a rule needs (after retries, or a 4xx)."""
    INTERRUPTED = 130
    """Stopped by Ctrl-C (SIGINT) during a read."""
