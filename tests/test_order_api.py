"""OrderApi under Pulumi mocks: document, roles, deployment, stage, throttling, functions,
invoke permissions, WAF and the account-wide logging role."""

from __future__ import annotations

import json
import re
from typing import Any

import pulumi
import pytest

from api.openapi import DeploymentValues, document_digest, openapi_document
from components.order_api import (
    ACCESS_LOG_FORMAT,
    ACCESS_LOGS_OFF,
    ACCESS_LOGS_TAG,
    OrderApi,
    OrderApiArgs,
    queue_path,
)
from tests.factories import settings_for
from tests.pulumi_harness import OutputChecks, registered
from tools.pulumi_mocks.recording import ACCOUNT_ID, RecordedResource, RecordingMocks

QUEUE_NAME = "orders-queue"
QUEUE_ARN = f"arn:aws:sqs:eu-west-1:{ACCOUNT_ID}:{QUEUE_NAME}"
QUEUE_URL = f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT_ID}/{QUEUE_NAME}"
TABLE_ARN = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT_ID}:table/orders"
INDEX_ARN = f"{TABLE_ARN}/index/customerId-createdAt"
SUBMISSION_INDEX_ARN = f"{TABLE_ARN}/index/requestId"
SUBMISSIONS_TABLE_ARN = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT_ID}:table/submissions"
KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT_ID}:key/queue-key"
REST_API = "aws:apigateway/restApi:RestApi"
FUNCTION = "aws:lambda/function:Function"


def _api(environment: str = "dev", key_arn: str | None = None, **raw: str) -> OrderApi:
    settings = settings_for(environment, **raw)
    return OrderApi(
        "orders",
        OrderApiArgs(
            queue_arn=QUEUE_ARN,
            queue_url=QUEUE_URL,
            table_name="orders",
            table_arn=TABLE_ARN,
            customer_index_arn=INDEX_ARN,
            submission_index_arn=SUBMISSION_INDEX_ARN,
            submissions_table_name="submissions",
            submissions_table_arn=SUBMISSIONS_TABLE_ARN,
            settings=settings.api,
            functions=settings.function_context,
            queue_kms_key_arn=key_arn,
        ),
    )


def _one(mocks: RecordingMocks, type_: str, name: str) -> dict[str, Any]:
    return mocks.named(type_, name).inputs


def _state(mocks: RecordingMocks, type_: str, name: str) -> dict[str, Any]:
    """What the provider answered for a resource: its ARN, name or URL."""
    return mocks.named(type_, name).state


def _policy(mocks: RecordingMocks, name: str) -> list[dict[str, Any]]:
    document = json.loads(_one(mocks, "aws:iam/rolePolicy:RolePolicy", name)["policy"])
    statements: list[dict[str, Any]] = document["Statement"]
    return statements


def _grants(statements: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """(action, resource) pairs a policy allows, for exact comparisons."""
    return {
        (action, resource)
        for statement in statements
        if statement["Effect"] == "Allow"
        for action in statement["Action"]
        for resource in statement["Resource"]
    }


def _function_grants(mocks: RecordingMocks, function: str) -> set[tuple[str, str]]:
    """What a HandlerFunction's code may do, without the log and trace grants every one has."""
    return {
        (action, resource)
        for action, resource in _grants(_policy(mocks, f"{function}-policy"))
        if not action.startswith(("logs:", "xray:"))
    }


@pulumi.runtime.test
def test_the_rest_api_body_is_the_document_filled_with_this_stacks_resources(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    api = _api()

    def check(_: object) -> None:
        rest_api = _one(pulumi_mocks, REST_API, "orders-api")
        role_arn = _state(pulumi_mocks, "aws:iam/role:Role", "orders-queue-sender")["arn"]
        reader_arn = _state(pulumi_mocks, FUNCTION, "orders-reader-function")["invoke_arn"]
        updater_arn = _state(pulumi_mocks, FUNCTION, "orders-status-updater-function")["invoke_arn"]
        document = json.loads(rest_api["body"])
        post = document["paths"]["/orders"]["post"]["x-amazon-apigateway-integration"]
        assert post["uri"] == f"arn:aws:apigateway:eu-west-1:sqs:path/{ACCOUNT_ID}/{QUEUE_NAME}"
        assert post["credentials"] == role_arn
        order = document["paths"]["/orders/{orderId}"]
        assert order["get"]["x-amazon-apigateway-integration"]["uri"] == reader_arn
        assert order["patch"]["x-amazon-apigateway-integration"]["uri"] == updater_arn
        assert rest_api["endpointConfiguration"] == {"types": "REGIONAL"}
        assert rest_api["failOnWarnings"] is True

    return checks.that(registered(api), check)


def test_the_queue_path_is_account_and_name_from_the_queue_url() -> None:
    assert queue_path(QUEUE_URL) == f"{ACCOUNT_ID}/{QUEUE_NAME}"


@pulumi.runtime.test
def test_api_gateway_may_only_send_to_the_one_queue(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    api = _api()

    def check(_: object) -> None:
        role = _one(pulumi_mocks, "aws:iam/role:Role", "orders-queue-sender")
        (trust,) = json.loads(role["assumeRolePolicy"])["Statement"]
        assert trust["Principal"] == {"Service": "apigateway.amazonaws.com"}
        statements = _policy(pulumi_mocks, "orders-queue-sender-policy")
        assert _grants(statements) == {("sqs:SendMessage", QUEUE_ARN)}

    return checks.that(registered(api), check)


@pulumi.runtime.test
def test_a_queue_with_its_own_key_lets_the_sender_use_that_key_only(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    api = _api(key_arn=KEY_ARN)

    def check(_: object) -> None:
        assert _grants(_policy(pulumi_mocks, "orders-queue-sender-policy")) == {
            ("sqs:SendMessage", QUEUE_ARN),
            ("kms:GenerateDataKey", KEY_ARN),
            ("kms:Decrypt", KEY_ARN),
        }

    return checks.that(registered(api), check)


@pulumi.runtime.test
def test_a_changed_document_triggers_a_new_deployment(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    api = _api()

    def check(_: object) -> None:
        body = _one(pulumi_mocks, REST_API, "orders-api")["body"]
        deployment = _one(pulumi_mocks, "aws:apigateway/deployment:Deployment", "orders-deployment")
        assert deployment["triggers"] == {"document": document_digest(json.loads(body))}
        stage = _one(pulumi_mocks, "aws:apigateway/stage:Stage", "orders-stage")
        assert stage["deployment"] == "orders-deployment-id"

    return checks.that(registered(api), check)


def test_the_deployment_trigger_changes_exactly_when_the_document_does() -> None:
    values = DeploymentValues("eu-west-1", "1/q", "role", "reader", "updater")
    moved = DeploymentValues("eu-west-1", "1/other-queue", "role", "reader", "updater")
    digest = document_digest(openapi_document(values))
    assert digest == document_digest(openapi_document(values))
    assert digest != document_digest(openapi_document(moved))
    assert digest != document_digest(openapi_document(values, signed=False))


@pytest.mark.parametrize(("environment", "retention"), [("dev", 7), ("prod", 90)])
@pulumi.runtime.test
def test_the_stage_traces_and_writes_json_access_logs_to_its_own_log_group(
    pulumi_mocks: RecordingMocks, checks: OutputChecks, environment: str, retention: int
) -> pulumi.Output[None]:
    api = _api(environment, apiAccessLogs="true")

    def check(values: list[Any]) -> None:
        url, _ = values
        log_group_arn = _state(
            pulumi_mocks, "aws:cloudwatch/logGroup:LogGroup", "orders-access-logs"
        )["arn"]
        stage = _one(pulumi_mocks, "aws:apigateway/stage:Stage", "orders-stage")
        assert stage["xrayTracingEnabled"] is True
        assert stage["accessLogSettings"]["destinationArn"] == log_group_arn
        access_log = json.loads(stage["accessLogSettings"]["format"])
        assert access_log["requestId"] == "$context.requestId"
        assert access_log["status"] == "$context.status"
        assert access_log["xrayTraceId"] == "$context.xrayTraceId"
        logs = _one(pulumi_mocks, "aws:cloudwatch/logGroup:LogGroup", "orders-access-logs")
        assert logs["retentionInDays"] == retention
        assert url.endswith(f"/{stage['stageName']}")
        assert url.startswith("https://orders-api-id.execute-api.eu-west-1.amazonaws.com/")

    return checks.that(pulumi.Output.all(api.url, registered(api)), check)


@pulumi.runtime.test
def test_a_default_dev_stack_needs_no_account_wide_role_for_its_first_deploy(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    """A fresh account has no API Gateway CloudWatch role: a stage with access logs could not
    be created, and the stack must not set an account-wide role nobody asked it to."""
    api = _api("dev")

    def check(values: list[Any]) -> None:
        log_group_name, _ = values
        stage = _one(pulumi_mocks, "aws:apigateway/stage:Stage", "orders-stage")
        assert stage["xrayTracingEnabled"] is True
        assert stage.get("accessLogSettings") is None
        assert stage["tags"] == {ACCESS_LOGS_TAG: ACCESS_LOGS_OFF}
        assert re.fullmatch(r"[\w .:/=+\-@]{1,256}", ACCESS_LOGS_OFF)
        assert pulumi_mocks.of_type("aws:apigateway/account:Account") == []
        log_groups = pulumi_mocks.of_type("aws:cloudwatch/logGroup:LogGroup")
        assert sorted(group.name for group in log_groups) == [
            "orders-reader-logs",
            "orders-status-updater-logs",
        ]
        assert log_group_name is None

    return checks.that(pulumi.Output.all(api.access_log_group_name, registered(api)), check)


@pulumi.runtime.test
def test_a_dev_stack_that_sets_the_account_role_logs_access_once_the_role_is_set(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    api = _api("dev", manageApiGatewayAccount="true")

    def check(_: object) -> None:
        stage = _one(pulumi_mocks, "aws:apigateway/stage:Stage", "orders-stage")
        logs = _state(pulumi_mocks, "aws:cloudwatch/logGroup:LogGroup", "orders-access-logs")
        assert stage["accessLogSettings"]["destinationArn"] == logs["arn"]
        assert len(pulumi_mocks.of_type("aws:apigateway/account:Account")) == 1

    return checks.that(registered(api), check)


def test_the_access_log_format_is_one_json_object_of_context_variables() -> None:
    fields = json.loads(ACCESS_LOG_FORMAT)
    assert all(value.startswith("$context.") for value in fields.values())


@pytest.mark.parametrize(
    ("environment", "raw", "limits"),
    [
        ("dev", {}, (20, 40)),
        ("prod", {}, (200, 400)),
        ("dev", {"apiThrottlingRateLimit": "75", "apiThrottlingBurstLimit": "150"}, (75, 150)),
    ],
)
@pulumi.runtime.test
def test_every_method_is_throttled_as_configured(
    pulumi_mocks: RecordingMocks,
    checks: OutputChecks,
    environment: str,
    raw: dict[str, str],
    limits: tuple[int, int],
) -> pulumi.Output[None]:
    api = _api(environment, **raw)
    rate, burst = limits

    def check(_: object) -> None:
        method = _one(
            pulumi_mocks, "aws:apigateway/methodSettings:MethodSettings", "orders-throttling"
        )
        assert method["methodPath"] == "*/*"
        assert method["stageName"] == "v1"
        assert method["settings"]["throttlingRateLimit"] == rate
        assert method["settings"]["throttlingBurstLimit"] == burst
        assert method["settings"]["dataTraceEnabled"] is False

    return checks.that(registered(api), check)


@pulumi.runtime.test
def test_the_reader_may_only_get_orders_and_submissions_and_query_the_two_indexes(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    api = _api()

    def check(_: object) -> None:
        assert _function_grants(pulumi_mocks, "orders-reader") == {
            ("dynamodb:GetItem", TABLE_ARN),
            ("dynamodb:GetItem", SUBMISSIONS_TABLE_ARN),
            ("dynamodb:Query", INDEX_ARN),
            ("dynamodb:Query", SUBMISSION_INDEX_ARN),
        }
        function = _one(pulumi_mocks, "aws:lambda/function:Function", "orders-reader-function")
        assert function["handler"] == "handlers.reader.handler"
        assert function["environment"]["variables"]["ORDERS_TABLE_NAME"] == "orders"
        assert function["environment"]["variables"]["SUBMISSIONS_TABLE_NAME"] == "submissions"
        assert function["timeout"] <= 29

    return checks.that(registered(api), check)


@pulumi.runtime.test
def test_the_status_updater_may_only_get_and_update_orders(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    api = _api(apiFunctionTimeoutSeconds="12", apiFunctionMemoryMb="512")

    def check(_: object) -> None:
        assert _function_grants(pulumi_mocks, "orders-status-updater") == {
            ("dynamodb:GetItem", TABLE_ARN),
            ("dynamodb:UpdateItem", TABLE_ARN),
        }
        function = _one(
            pulumi_mocks, "aws:lambda/function:Function", "orders-status-updater-function"
        )
        assert function["handler"] == "handlers.status_updater.handler"
        assert (function["timeout"], function["memorySize"]) == (12, 512)

    return checks.that(registered(api), check)


@pulumi.runtime.test
def test_no_policy_of_the_api_allows_a_wildcard_action(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    api = _api(manageApiGatewayAccount="true", key_arn=KEY_ARN)

    def check(_: object) -> None:
        policies = pulumi_mocks.of_type("aws:iam/rolePolicy:RolePolicy")
        assert len(policies) == 4
        for policy in policies:
            for action, resource in _grants(json.loads(policy.inputs["policy"])["Statement"]):
                assert "*" not in action
                assert resource != "arn:aws:logs:*:*:*"

    return checks.that(registered(api), check)


@pulumi.runtime.test
def test_api_gateway_may_invoke_each_function_only_through_its_routes_on_this_stage(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    api = _api()

    def check(values: list[Any]) -> None:
        reader, updater, _ = values
        execution_arn = _state(pulumi_mocks, REST_API, "orders-api")["execution_arn"]
        assert reader == _state(pulumi_mocks, FUNCTION, "orders-reader-function")["name"]
        assert updater == _state(pulumi_mocks, FUNCTION, "orders-status-updater-function")["name"]
        permissions = pulumi_mocks.of_type("aws:lambda/permission:Permission")
        granted = {(p.inputs["function"], p.inputs["sourceArn"]) for p in permissions}
        assert granted == {
            (reader, f"{execution_arn}/v1/GET/orders/*"),
            (reader, f"{execution_arn}/v1/GET/customers/*/orders"),
            (reader, f"{execution_arn}/v1/GET/submissions/*"),
            (updater, f"{execution_arn}/v1/PATCH/orders/*"),
        }
        for permission in permissions:
            assert permission.inputs["principal"] == "apigateway.amazonaws.com"
            assert permission.inputs["action"] == "lambda:InvokeFunction"

    return checks.that(
        pulumi.Output.all(
            api.reader_function_name, api.status_updater_function_name, registered(api)
        ),
        check,
    )


def _web_acls(mocks: RecordingMocks) -> list[RecordedResource]:
    return mocks.of_type("aws:wafv2/webAcl:WebAcl")


@pytest.mark.parametrize(
    ("environment", "raw", "protected"),
    [("dev", {}, False), ("prod", {}, True), ("dev", {"apiWafEnabled": "true"}, True)],
)
@pulumi.runtime.test
def test_a_regional_web_acl_rate_limits_clients_when_enabled(
    pulumi_mocks: RecordingMocks,
    checks: OutputChecks,
    environment: str,
    raw: dict[str, str],
    protected: bool,
) -> pulumi.Output[None]:
    api = _api(environment, apiWafRateLimit="500", **raw)

    def check(_: object) -> None:
        stage_arn = _state(pulumi_mocks, "aws:apigateway/stage:Stage", "orders-stage")["arn"]
        associations = pulumi_mocks.of_type("aws:wafv2/webAclAssociation:WebAclAssociation")
        if not protected:
            assert _web_acls(pulumi_mocks) == []
            assert associations == []
            return
        (acl,) = _web_acls(pulumi_mocks)
        assert acl.inputs["scope"] == "REGIONAL"
        assert acl.inputs["defaultAction"] == {"allow": {}}
        (rule,) = acl.inputs["rules"]
        assert rule["action"] == {"block": {}}
        limit = rule["statement"]["rateBasedStatement"]
        assert (limit["limit"], limit["aggregateKeyType"]) == (500, "IP")
        (association,) = associations
        assert association.inputs["resourceArn"] == stage_arn
        assert association.inputs["webAclArn"] == acl.state["arn"]

    return checks.that(registered(api), check)


@pulumi.runtime.test
def test_the_account_wide_logging_role_is_left_alone_by_default(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    api = _api("prod")

    def check(_: object) -> None:
        assert pulumi_mocks.of_type("aws:apigateway/account:Account") == []

    return checks.that(registered(api), check)


@pulumi.runtime.test
def test_a_stack_may_own_the_account_wide_logging_role_when_told_to(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    api = _api(manageApiGatewayAccount="true")

    def check(_: object) -> None:
        (account,) = pulumi_mocks.of_type("aws:apigateway/account:Account")
        role = pulumi_mocks.named("aws:iam/role:Role", "orders-account-logging")
        assert account.inputs["cloudwatchRoleArn"] == role.state["arn"]
        region_logs = f"arn:aws:logs:eu-west-1:{ACCOUNT_ID}:log-group:*"
        grants = _grants(_policy(pulumi_mocks, "orders-account-logging-policy"))
        assert {resource for _, resource in grants} == {region_logs}
        assert ("logs:PutLogEvents", region_logs) in grants

    return checks.that(registered(api), check)


@pulumi.runtime.test
def test_the_component_exposes_what_monitoring_and_the_stack_use(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    api = _api(apiAccessLogs="true")
    watch = api.watch

    def check(exposed: dict[str, Any]) -> None:
        component = pulumi_mocks.named("order-pipeline:api:OrderApi", "orders")
        assert component.type == "order-pipeline:api:OrderApi"
        rest_api = _state(pulumi_mocks, REST_API, "orders-api")
        stage = _state(pulumi_mocks, "aws:apigateway/stage:Stage", "orders-stage")
        assert exposed["rest_api"] == ["orders-api-id", rest_api["name"]]
        assert exposed["rest_api"][1] == pulumi_mocks.named(REST_API, "orders-api").physical_name
        assert exposed["stage_name"] == "v1"
        assert exposed["url"] == stage["invoke_url"]
        assert exposed["url"].endswith("/v1")
        logs = _state(pulumi_mocks, "aws:cloudwatch/logGroup:LogGroup", "orders-access-logs")
        assert exposed["access_log_group_name"] == logs["name"]
        functions = [
            _state(pulumi_mocks, FUNCTION, f"orders-{function}-function")["name"]
            for function in ("reader", "status-updater")
        ]
        assert exposed["functions"] == functions
        # Monitoring watches the very same API, stage and functions.
        assert exposed["watched"] == [rest_api["name"], "v1", *functions]
        assert list(watch.function_names) == ["reader", "status updater"]

    return checks.that(
        pulumi.Output.all(
            rest_api=pulumi.Output.all(api.rest_api_id, api.rest_api_name),
            stage_name=api.stage_name,
            url=api.url,
            access_log_group_name=api.access_log_group_name,
            functions=pulumi.Output.all(api.reader_function_name, api.status_updater_function_name),
            watched=pulumi.Output.all(
                watch.api_name, watch.stage_name, *watch.function_names.values()
            ),
            registered=registered(api),
        ),
        check,
    )
