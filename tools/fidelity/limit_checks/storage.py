"""DynamoDB tables, log groups and KMS keys."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tools.fidelity import aws_limits as limits
from tools.fidelity.limit_checks.values import Check, not_one_of, number, outside, shown
from tools.fidelity.recorded_stack import Stack
from tools.pulumi_mocks.recording import RecordedResource


def check_table(resource: RecordedResource, _stack: Stack) -> Iterable[str]:
    inputs = resource.inputs
    billing = inputs.get("billingMode", "PROVISIONED")
    yield from not_one_of("billingMode", billing, limits.DYNAMODB_BILLING_MODES)
    if billing == "PAY_PER_REQUEST" and ("readCapacity" in inputs or "writeCapacity" in inputs):
        yield "readCapacity/writeCapacity must not be set with PAY_PER_REQUEST"
    view = inputs.get("streamViewType")
    yield from not_one_of("streamViewType", view, limits.DYNAMODB_STREAM_VIEW_TYPES)
    if bool(inputs.get("streamEnabled")) != (view is not None):
        yield "streamEnabled and streamViewType must be set together"
    indexes = list(inputs.get("globalSecondaryIndexes") or [])
    if len(indexes) > limits.DYNAMODB_MAX_GLOBAL_INDEXES:
        yield f"{len(indexes)} global secondary indexes; DynamoDB allows 20"
    yield from _attributes(inputs, indexes)


def _attributes(inputs: Mapping[str, Any], indexes: list[Mapping[str, Any]]) -> Iterable[str]:
    """CreateTable refuses an attribute definition no key uses, and a key with none."""
    defined = {str(a.get("name")): a.get("type") for a in inputs.get("attributes") or []}
    for name, type_ in defined.items():
        yield from not_one_of(f"attribute {name} type", type_, limits.DYNAMODB_ATTRIBUTE_TYPES)
    keys = {inputs.get("hashKey"), inputs.get("rangeKey")}
    for index in [*indexes, *(inputs.get("localSecondaryIndexes") or [])]:
        yield from not_one_of(
            f"index {index.get('name')} projectionType",
            index.get("projectionType"),
            limits.DYNAMODB_PROJECTION_TYPES,
        )
        if (index.get("projectionType") == "INCLUDE") != bool(index.get("nonKeyAttributes")):
            yield f"index {index.get('name')}: nonKeyAttributes go with projectionType INCLUDE"
        keys |= {index.get("hashKey"), index.get("rangeKey")}
        keys |= {schema.get("attributeName") for schema in index.get("keySchemas") or []}
    keys.discard(None)
    if not inputs.get("hashKey"):
        yield "hashKey is required"
    for missing in sorted(str(key) for key in keys if key not in defined):
        yield f"key attribute {missing!r} has no attribute definition"
    for unused in sorted(name for name in defined if name not in keys):
        yield f"attribute {unused!r} is defined but no key uses it; CreateTable refuses that"


def check_log_group(resource: RecordedResource, _stack: Stack) -> Iterable[str]:
    retention = number(resource.inputs, "retentionInDays")
    if retention is not None and retention not in limits.LOG_RETENTION_DAYS:
        accepted = ", ".join(map(str, limits.LOG_RETENTION_DAYS))
        yield f"retentionInDays {shown(retention)} is not one CloudWatch Logs accepts ({accepted})"


def check_kms_key(resource: RecordedResource, _stack: Stack) -> Iterable[str]:
    inputs = resource.inputs
    window = number(inputs, "deletionWindowInDays")
    yield from outside("deletionWindowInDays", window, limits.KMS_DELETION_WINDOW_DAYS)
    rotation = number(inputs, "rotationPeriodInDays")
    yield from outside("rotationPeriodInDays", rotation, limits.KMS_ROTATION_PERIOD_DAYS)
    symmetric = inputs.get("customerMasterKeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
    if inputs.get("enableKeyRotation") and not symmetric:
        yield "enableKeyRotation is only supported for symmetric keys"
    if rotation is not None and not inputs.get("enableKeyRotation"):
        yield "rotationPeriodInDays needs enableKeyRotation"


CHECKS: dict[str, Check] = {
    "aws:dynamodb/table:Table": check_table,
    "aws:cloudwatch/logGroup:LogGroup": check_log_group,
    "aws:kms/key:Key": check_kms_key,
}
