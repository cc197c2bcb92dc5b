"""The order pipeline's rules as CrossGuard policies.

Self-contained on purpose: a policy pack is published and run on its own, so it imports
nothing from the program it checks.
"""

from __future__ import annotations

from pulumi_policy import Policy

from order_pipeline_policy.resource_policies import RESOURCE_POLICIES
from order_pipeline_policy.stack_policies import STACK_POLICIES
from order_pipeline_policy.tags import TAG_POLICIES

PACK_NAME = "order-pipeline"
POLICIES: list[Policy] = [*RESOURCE_POLICIES, *TAG_POLICIES, *STACK_POLICIES]
