"""API Gateway stages and method settings."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from tools.fidelity import aws_limits as limits
from tools.fidelity.limit_checks.values import Check, block, not_one_of, number, shown
from tools.fidelity.recorded_stack import Stack
from tools.pulumi_mocks.recording import RecordedResource

REST_API = "aws:apigateway/restApi:RestApi"
STAGE = "aws:apigateway/stage:Stage"
STAGE_ARN = re.compile(
    r"^arn:aws:apigateway:[a-z0-9-]+::/restapis/(?P<api>[^/]+)/stages/(?P<stage>[^/]+)$"
)


def check_stage(resource: RecordedResource, stack: Stack) -> Iterable[str]:
    logs = block(resource.inputs, "accessLogSettings")
    if not logs:
        return
    log_format = str(logs.get("format", ""))
    if not any(variable in log_format for variable in limits.API_ACCESS_LOG_REQUIRED):
        yield "accessLogSettings.format must contain $context.requestId"
    destination = str(logs.get("destinationArn", ""))
    if destination.endswith(":*"):
        yield f"accessLogSettings.destinationArn {destination!r} must not end in ':*'"
    elif stack.resolve_as(destination, "aws:cloudwatch/logGroup:LogGroup") is None:
        yield f"accessLogSettings.destinationArn {destination!r} is no log group of this stack"


METHOD_LOGGING_LEVELS = ("OFF", "ERROR", "INFO")


def _stage_exists(stack: Stack, rest_api: Any, stage_name: Any) -> bool:
    api = stack.resolve_as(rest_api, REST_API)
    return any(
        stage.inputs.get("stageName") == stage_name
        and stack.resolve_as(stage.inputs.get("restApi"), REST_API) is api
        for stage in stack.of_type(STAGE)
    )


def check_method_settings(resource: RecordedResource, stack: Stack) -> Iterable[str]:
    inputs = resource.inputs
    if not _stage_exists(stack, inputs.get("restApi"), inputs.get("stageName")):
        yield f"stage {inputs.get('stageName')!r} of restApi {inputs.get('restApi')!r} is no stage"
    settings = block(resource.inputs, "settings")
    for key in ("throttlingRateLimit", "throttlingBurstLimit"):
        value = number(settings, key)
        if value is not None and value < 0:
            yield f"settings.{key} {shown(value)} must not be negative"
    yield from not_one_of(
        "settings.loggingLevel", settings.get("loggingLevel"), METHOD_LOGGING_LEVELS
    )
    path = str(resource.inputs.get("methodPath", ""))
    if path != "*/*" and path.count("/") < 1:
        yield f"methodPath {path!r} must be */* or <resource path>/<HTTP method>"


def check_web_acl_association(resource: RecordedResource, stack: Stack) -> Iterable[str]:
    """WAF protects REST APIs by stage: the ARN must name a stage of this stack."""
    arn = str(resource.inputs.get("resourceArn", ""))
    match = STAGE_ARN.match(arn)
    if match is None:
        yield f"resourceArn {arn!r} is not an API Gateway stage ARN"
    elif not _stage_exists(stack, match["api"], match["stage"]):
        yield f"resourceArn {arn!r} names no stage of this stack"


CHECKS: dict[str, Check] = {
    "aws:apigateway/stage:Stage": check_stage,
    "aws:apigateway/methodSettings:MethodSettings": check_method_settings,
    "aws:wafv2/webAclAssociation:WebAclAssociation": check_web_acl_association,
}
