"""The order pipeline's CrossGuard policy pack: `pulumi preview --policy-pack tools/policy`."""

from order_pipeline_policy import PACK_NAME, POLICIES
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(name=PACK_NAME, enforcement_level=EnforcementLevel.MANDATORY, policies=POLICIES)
