"""A per-bucket bar chart of usage for a terminal: Unicode eighth blocks on UTF-8, ``#`` otherwise."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from .._models import UsageBucket
from .._money import format_usd

__all__ = ["bar_chart"]

_EIGHTHS = " ▏▎▍▌▋▊▉"
_FULL = "█"
_MIN_BAR = 10


def bar_chart(buckets: Sequence[UsageBucket], window: str, width: int, *, unicode: bool) -> list[str]:
    """One line per bucket: its start, a bar proportional to its spend, the spend in US dollars.

    ``width`` is the terminal's width in columns; the bar takes what the label and amount leave.
    """
    labels = [_label(bucket, window) for bucket in buckets]
    amounts = [format_usd(bucket.spend_usd.quantize(Decimal("0.01"))) for bucket in buckets]
    top = max((bucket.spend_usd for bucket in buckets), default=Decimal(0))
    room = max(_MIN_BAR, width - max(map(len, labels), default=0) - max(map(len, amounts), default=0) - 4)
    return [
        f"{label}  {_bar(bucket.spend_usd, top, room, unicode=unicode):<{room}}  {amount:>{max(map(len, amounts))}}"
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
