"""An AI app release and a few more resources, with nothing of pulumi_cf_billing: the policy pack guards it."""

import pulumi
import pulumi.dynamic


class _Provider(pulumi.dynamic.ResourceProvider):
    def create(self, props):
        return pulumi.dynamic.CreateResult(f"id-{props['name']}", props)


class Thing(pulumi.dynamic.Resource):
    def __init__(self, name):
        super().__init__(_Provider(), name, {"name": name})


count = pulumi.Config("app").get_int("count") or 1
things = [Thing(f"thing-{i}") for i in range(count)]
pulumi.export("things", len(things))
