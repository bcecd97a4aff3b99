"""The cf-billing policy pack, as shipped: the ``ai-gateway-credit-floor`` policy of ``pulumi_cf_billing.policy``."""

from pulumi_cf_billing.policy import serve

serve()
