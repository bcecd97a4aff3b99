"""A progress counter on stderr for long fleet reads: only for a person watching a terminal.

Shown only when stderr is a TTY and more than :data:`MIN_ACCOUNTS` accounts are read, so pipes,
CI logs and ``--json`` consumers never see it. It rewrites one line with ``\\r`` and erases it
when done.
"""

from __future__ import annotations

import sys
from typing import TextIO

__all__ = ["MIN_ACCOUNTS", "Progress"]

MIN_ACCOUNTS = 20


class Progress:
    """Counts finished accounts out of ``total`` on ``stream`` (default stderr), when ``enabled``."""

    def __init__(self, total: int, stream: TextIO | None = None, *, enabled: bool | None = None) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.total = total
        self.done = 0
        self.enabled = (total > MIN_ACCOUNTS and self.stream.isatty()) if enabled is None else enabled
        self._width = 0

    def update(self, account_id: str, outcome: object) -> None:
        """Count one finished account (the signature of ``get_many``'s ``on_result``)."""
        self.done += 1
        self._show(f"\r{self.done}/{self.total} accounts read")

    def finish(self) -> None:
        """Erase the counter line, leaving the terminal as it was."""
        self._show("\r" + " " * self._width + "\r")

    def _show(self, text: str) -> None:
        if self.enabled:
            self._width = max(self._width, len(text))
            self.stream.write(text)
            self.stream.flush()
