"""Text that crosses a trust boundary: what we echo back to people, and what a server sends us.

- :func:`shown` quotes a value a person gave, or only its length when it is long enough to be a
  credential pasted into the wrong place.
- :func:`clean` makes server text safe for a terminal, a log or Pulumi's output: no escape
  sequences, no line breaks, bounded length.
"""

from __future__ import annotations

__all__ = ["ECHO_LIMIT", "SERVER_TEXT_LIMIT", "clean", "shown"]

ECHO_LIMIT = 36
"""Values longer than this are never echoed: API tokens are 40 characters, account ids 32."""
SERVER_TEXT_LIMIT = 300
"""Characters of one server-provided string kept in a message; the rest is cut with an ellipsis."""


def shown(value: object) -> str:
    """``value`` quoted for an error message, or only its length when it is longer than :data:`ECHO_LIMIT`."""
    text = str(value)
    return repr(text) if len(text) <= ECHO_LIMIT else f"a {len(text)}-character value"


def clean(text: str, limit: int | None = None) -> str:
    """``text`` with every non-printable character replaced by ``?``, cut to ``limit`` characters if given."""
    cut = text if limit is None or len(text) <= limit else text[: limit - 1] + "…"
    return "".join(char if char.isprintable() else "?" for char in cut)
