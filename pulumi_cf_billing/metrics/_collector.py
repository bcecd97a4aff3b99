"""The metric families: what the exporter knows, as Prometheus gauges with HELP, TYPE and UNIT.

Every family has one label, ``account_id``; every dollar figure is named ``_usd``. A scrape only
reads the exporter's last results: it never sends a request.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import CollectorRegistry

from ._exporter import AccountState, Judgement

__all__ = ["FAMILIES", "BillingCollector", "Family", "registry_for"]

LABEL = "account_id"
SECONDS_PER_DAY = 86_400


@dataclass(frozen=True, slots=True)
class Family:
    """One gauge: its full name (ending in its unit, if any), unit, help, and its value for an account (or none)."""

    name: str
    unit: str
    help: str
    value: Callable[[AccountState, Decimal], float | None]


def _judged(value: Callable[[Judgement], float | Decimal | None]) -> Callable[[AccountState, Decimal], float | None]:
    """A value of the last good judgement, kept across failed reads; none before the first good read."""

    def of(state: AccountState, floor_usd: Decimal) -> float | None:
        if state.last_good is None:
            return None
        number = value(state.last_good)
        return None if number is None else float(number)

    return of


def _runway_seconds(judged: Judgement) -> float | None:
    if judged.runway is None:
        return None
    days = judged.runway.days_until_floor
    return math.inf if days is None else float(days * SECONDS_PER_DAY)


def _last_failed(judged: Judgement) -> float | None:
    moment = judged.reading.balance.topup_config.last_failed_at_datetime
    return None if moment is None else moment.timestamp()


FAMILIES = (
    Family(
        "cf_billing_balance_usd",
        "usd",
        "AI Gateway credit balance in US dollars, as of the last successful read.",
        _judged(lambda j: j.reading.balance.balance_usd),
    ),
    Family(
        "cf_billing_floor_usd",
        "usd",
        "The lowest balance in US dollars a deploy accepts (the guard's floor).",
        lambda state, floor_usd: float(floor_usd),
    ),
    Family(
        "cf_billing_topup_threshold_usd",
        "usd",
        "Auto top-up threshold: the balance in US dollars under which Cloudflare tops up. Absent when not set.",
        _judged(lambda j: j.reading.balance.topup_config.threshold_usd),
    ),
    Family(
        "cf_billing_topup_amount_usd",
        "usd",
        "Auto top-up amount in US dollars. Absent when not set.",
        _judged(lambda j: j.reading.balance.topup_config.amount_usd),
    ),
    Family(
        "cf_billing_auto_topup_working",
        "",
        "1 when auto top-up would keep the balance at or above the floor: set up and enabled, threshold at or "
        "above the floor, a default payment method, no failed top-up in the failure window. Else 0.",
        _judged(lambda j: j.topup_problem is None),
    ),
    Family(
        "cf_billing_topup_last_failed_timestamp_seconds",
        "seconds",
        "When a top-up last failed, in Unix seconds. Absent when Cloudflare gives no time.",
        _judged(_last_failed),
    ),
    Family(
        "cf_billing_spend_usd_per_day",
        "usd_per_day",
        "Mean daily AI Gateway spend in US dollars over the runway window's complete UTC days. "
        "Only with a runway rule.",
        _judged(lambda j: None if j.runway is None else j.runway.spend_usd_per_day),
    ),
    Family(
        "cf_billing_runway_seconds",
        "seconds",
        "Time until the balance reaches the floor at the measured spend per day, in seconds (Prometheus' base "
        "unit; 86400 a day): 0 when under it, +Inf when nothing was spent. Only with a runway rule.",
        _judged(_runway_seconds),
    ),
    Family(
        "cf_billing_deploy_allowed",
        "",
        "1 when the guard's rules would allow a deploy, as of the last successful read; else 0.",
        _judged(lambda j: not j.problems),
    ),
    Family(
        "cf_billing_read_success",
        "",
        "1 when the last read of the account succeeded; 0 when it failed (the other values are then the "
        "last good ones).",
        lambda state, floor_usd: float(state.error is None),
    ),
    Family(
        "cf_billing_last_success_timestamp_seconds",
        "seconds",
        "When the last successful read of the account began, in Unix seconds.",
        _judged(lambda j: j.read_at.timestamp()),
    ),
)
"""The families, in exposition order."""


class BillingCollector:
    """A ``prometheus_client`` collector of :data:`FAMILIES` over the states ``snapshot`` returns, at ``floor_usd``."""

    def __init__(self, snapshot: Callable[[], Iterable[AccountState]], floor_usd: Decimal) -> None:
        self._snapshot, self._floor_usd = snapshot, floor_usd

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """One gauge family per entry of :data:`FAMILIES`, a sample per account that has a value."""
        states = tuple(self._snapshot())
        for family in FAMILIES:
            gauge = GaugeMetricFamily(family.name, family.help, labels=[LABEL], unit=family.unit)
            for state in states:
                value = family.value(state, self._floor_usd)
                if value is not None:
                    gauge.add_metric([state.account_id], value)
            yield gauge


def registry_for(snapshot: Callable[[], Iterable[AccountState]], floor_usd: Decimal) -> CollectorRegistry:
    """A registry of only these families (no process or platform collectors): ``Exporter.snapshot`` to serve live
    values, ``lambda: cycle.states`` for one cycle's."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(BillingCollector(snapshot, floor_usd))
    return registry
