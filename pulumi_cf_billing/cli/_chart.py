"""A per-bucket bar chart of usage for a terminal: Unicode eighth blocks on UTF-8, ``#`` otherwise."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from .._models import UsageBucket
from .._money import format_usd

__all__ = ["MAX_WIDTH", "MIN_WIDTH", "bar_chart"]

_EIGHTHS = " ▏▎▍▌▋▊▉"
_FULL = "█"
_MIN_BAR = 10
MIN_WIDTH = 40
"""The narrowest chart drawn, in columns, however narrow the terminal says it is."""
MAX_WIDTH = 200
"""The widest chart drawn, in columns: ``COLUMNS`` can say anything, a bar need not be longer to be read."""


def bar_chart(buckets: Sequence[UsageBucket], window: str, width: int, *, unicode: bool) -> list[str]:
    """One line per bucket: its start, its spend in US dollars, a bar proportional to that spend.

    ``width`` is the terminal's width in columns, held within :data:`MIN_WIDTH`..:data:`MAX_WIDTH`; the
    bar takes what the label and amount leave. Lines end with the bar: no line ends in a space.
    """
    width = min(max(width, MIN_WIDTH), MAX_WIDTH)
    labels = [_label(bucket, window) for bucket in buckets]
    amounts = [format_usd(bucket.spend_usd.quantize(Decimal("0.01"))) for bucket in buckets]
    top = max((bucket.spend_usd for bucket in buckets), default=Decimal(0))
    money = max(map(len, amounts), default=0)
    room = max(_MIN_BAR, width - max(map(len, labels), default=0) - money - 4)
    return [
        f"{label}  {amount:>{money}}  {_bar(bucket.spend_usd, top, room, unicode=unicode)}".rstrip()
        for label, bucket, amount in zip(labels, buckets, amounts, strict=True)
    ]


def _label(bucket: UsageBucket, window: str) -> str:
    return bucket.start.strftime("%Y-%m-%d" if window == "day" else "%m-%d %H:00")


def _bar(value: Decimal, top: Decimal, room: int, *, unicode: bool) -> str:
    if top <= 0 or value <= 0:
        return ""
    eighths = int(value / top * room * 8)
    if not unicode:
        return "#" * max(1, eighths // 8)
    whole, part = divmod(max(1, eighths), 8)
    return _FULL * whole + (_EIGHTHS[part] if part else "")
