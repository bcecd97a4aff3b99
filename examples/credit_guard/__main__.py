"""Example: see the AI Gateway credits as stack outputs, and refuse to deploy below a floor.

Config: ``cf-billing:accountId`` (else ``CLOUDFLARE_ACCOUNT_ID``), ``cf-billing:floorUsd`` (US dollars),
``cf-billing:minRunwayDays`` (optional: days the balance must last at the spend Cloudflare measured
over the last 7 days), ``cf-billing:onError`` (``fail`` or ``warn``: what an unreadable balance does),
and the credentials pulumi-cloudflare already uses (``cloudflare:apiToken``, or ``CLOUDFLARE_API_TOKEN``).
Point ``cloudflare:baseUrl`` (or ``CLOUDFLARE_BASE_URL``) at the fake API to run it offline.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi.dynamic

from pulumi_cf_billing import CreditBalanceGuard, get_credit_balance_output

config = pulumi.Config("cf-billing")
account_id = config.get("accountId")
floor_usd = config.get("floorUsd") or "10"

# Read-only view: the balance and top-up configuration become stack outputs.
credits = get_credit_balance_output(account_id)
pulumi.export("balance_usd", credits.balance_usd)
pulumi.export("topup_config", credits.topup_config)

# The guard: below the floor, preview and up fail here, before anything that depends on it.
guard = CreditBalanceGuard(
    "ai-credits",
    account_id=account_id,
    floor_usd=floor_usd,
    min_runway_days=config.get_float("minRunwayDays"),
    on_error=config.get("onError") or "fail",
)
pulumi.export("guard_status", guard.status)
pulumi.export("days_until_floor", guard.days_until_floor)


class _ReleaseProvider(pulumi.dynamic.ResourceProvider):
    """Stands in for the app that spends AI credits; needs no provider plugin."""

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        return pulumi.dynamic.CreateResult(f"release-{props['version']}", {"version": props["version"]})

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        return pulumi.dynamic.UpdateResult({"version": news["version"]})


class AppRelease(pulumi.dynamic.Resource):
    """A release of the AI application."""

    version: pulumi.Output[str]

    def __init__(self, name: str, version: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(_ReleaseProvider(), name, {"version": version}, opts)


release = AppRelease(
    "chat-app", version=pulumi.Config("app").get("version") or "1", opts=pulumi.ResourceOptions(depends_on=[guard])
)
pulumi.export("released_version", release.version)
