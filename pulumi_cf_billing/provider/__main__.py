"""``python -m pulumi_cf_billing.provider ENGINE``: the cf-billing provider plugin, for a source-based plugin."""

from pulumi_cf_billing.provider import main

main()
