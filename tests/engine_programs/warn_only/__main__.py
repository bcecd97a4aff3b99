"""A guard with on_error="warn" and nothing else reading the API: an unreadable balance must not stop the deploy."""

import pulumi

from pulumi_cf_billing import CreditBalanceGuard

guard = CreditBalanceGuard("ai-credits", floor_usd=10, on_error="warn")
pulumi.export("guard_status", guard.status)
