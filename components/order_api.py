"""OrderApi: the REST API in front of the pipeline, deployed from `api/openapi.yaml`.

POST /orders goes straight to SQS through a role that may only send to that one queue;
reads and status changes are served by two small functions with least-privilege access
to the table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlparse

import pulumi
import pulumi_aws as aws

from api.openapi import (
    DeploymentValues,
    document_digest,
    document_text,
    model_schema,
    openapi_document,
    request_body_model_names,
    source_document,
)
from components import iam
from components.handler_function import HandlerFunction, HandlerFunctionArgs
from components.model_schema import ModelSchema
from components.watches import ApiWatch
from handlers import contract
from settings.api import ApiAuth, ApiSettings
from settings.core import FunctionContext

STAGE_NAME = "v1"
# Why a stage writes no access logs, where the policy pack (tools/policy) and a reader of the
# stage look for it. AWS tag values allow letters, digits, spaces and _ . : / = + - @ only.
ACCESS_LOGS_TAG = "accessLogs"
ACCESS_LOGS_OFF = (
    "off until apiAccessLogs=true: they need the account-wide API Gateway CloudWatch role"
)

# One JSON object per request; only values API Gateway writes without quotes of its own,
# so every line stays valid JSON for Logs Insights.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "extendedRequestId": "$context.extendedRequestId",
        "requestTimeEpoch": "$context.requestTimeEpoch",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "responseLatency": "$context.responseLatency",
        "integrationStatus": "$context.integration.status",
        "integrationLatency": "$context.integration.latency",
        "errorType": "$context.error.responseType",
        "sourceIp": "$context.identity.sourceIp",
        "caller": "$context.identity.caller",
        "userArn": "$context.identity.userArn",
        "wafResponseCode": "$context.wafResponseCode",
        "xrayTraceId": "$context.xrayTraceId",
    }
)

# The routes each function serves, as `<METHOD>/<resource path with * for parameters>`.
READER_ROUTES = ("GET/orders/*", "GET/customers/*/orders", "GET/submissions/*")
STATUS_UPDATER_ROUTES = ("PATCH/orders/*",)


@dataclass(frozen=True)
class OrderApiArgs:
    queue_arn: pulumi.Input[str]
    queue_url: pulumi.Input[str]
    table_name: pulumi.Input[str]
    table_arn: pulumi.Input[str]
    customer_index_arn: pulumi.Input[str]
    submission_index_arn: pulumi.Input[str]
    """Where a submission's status monitor finds the order it stored."""
    submissions_table_name: pulumi.Input[str]
    submissions_table_arn: pulumi.Input[str]
    """Where it finds why the processor rejected it."""
    settings: ApiSettings
    functions: FunctionContext
    queue_kms_key_arn: pulumi.Input[str] | None = None
    """The queue's customer managed key, if it has one: API Gateway must encrypt with it."""


def _model_text(document: dict[str, object], model: str) -> str:
    return json.dumps(model_schema(document, model))


def queue_path(queue_url: str) -> str:
    """`<account id>/<queue name>`, the path of a queue URL, as SQS integrations address it."""
    return urlparse(queue_url).path.strip("/")


class OrderApi(pulumi.ComponentResource):
    """The REST API, its stage and access logs, the role that sends orders to the queue, the
    two functions behind the read and status routes, and an optional web ACL."""

    url: pulumi.Output[str]
    """The stage's invoke URL: the base every route is called under."""
    rest_api_id: pulumi.Output[str]
    """The REST API's id."""
    rest_api_name: pulumi.Output[str]
    """The REST API's name: CloudWatch's `ApiName` (REST APIs report per name, not id)."""
    stage_name: pulumi.Output[str]
    """The stage's name: CloudWatch's `Stage`."""
    access_log_group_name: pulumi.Output[str | None]
    """Where the stage writes one JSON line per request; None without access logs."""
    reader_function_name: pulumi.Output[str]
    """The function serving the GET routes: CloudWatch's `FunctionName`."""
    status_updater_function_name: pulumi.Output[str]
    """The function serving the PATCH route: CloudWatch's `FunctionName`."""
    watch: ApiWatch
    """What Monitoring watches of the API."""

    def __init__(
        self, name: str, args: OrderApiArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("order-pipeline:api:OrderApi", name, None, opts)
        access_logs = (
            aws.cloudwatch.LogGroup(
                f"{name}-access-logs",
                retention_in_days=args.functions.settings.log_retention_days,
                opts=pulumi.ResourceOptions(parent=self),
            )
            if args.settings.access_logs
            else None
        )
        queue_sender_role = self._create_queue_sender_role(name, args)
        reader = self._create_reader(name, args)
        status_updater = self._create_status_updater(name, args)
        document = self._document(args, queue_sender_role, reader, status_updater)
        self._rest_api = aws.apigateway.RestApi(
            f"{name}-api",
            description="Orders: POST straight to SQS, reads and status changes via Lambda",
            body=document.apply(document_text),
            endpoint_configuration=aws.apigateway.RestApiEndpointConfigurationArgs(
                types="REGIONAL"
            ),
            # An import warning means part of the document was not applied as written.
            fail_on_warnings=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        digest = document.apply(document_digest)
        models = self._write_models_after_import(name, args, document, digest)
        stage = self._create_stage(name, args.settings, digest, models, access_logs)
        self._create_invoke_permissions(name, reader, status_updater)
        # Only this step names pulumi_aws.wafv2, so stacks without WAF never import it (~0.65 s).
        if args.settings.waf_enabled:
            self._create_web_acl(name, args.settings, stage)
        self.url = stage.invoke_url
        self.rest_api_id = self._rest_api.id
        self.rest_api_name = self._rest_api.name
        self.stage_name = stage.stage_name
        self.access_log_group_name = (
            pulumi.Output.from_input(None) if access_logs is None else access_logs.name
        )
        self.reader_function_name = reader.function_name
        self.status_updater_function_name = status_updater.function_name
        self.watch = ApiWatch(
            api_name=self.rest_api_name,
            stage_name=self.stage_name,
            function_names={
                "reader": self.reader_function_name,
                "status updater": self.status_updater_function_name,
            },
        )
        self.register_outputs(
            {
                "url": self.url,
                "rest_api_id": self.rest_api_id,
                "rest_api_name": self.rest_api_name,
                "stage_name": self.stage_name,
                "access_log_group_name": self.access_log_group_name,
                "reader_function_name": self.reader_function_name,
                "status_updater_function_name": self.status_updater_function_name,
            }
        )

    def _create_queue_sender_role(self, name: str, args: OrderApiArgs) -> aws.iam.Role:
        role = aws.iam.Role(
            f"{name}-queue-sender",
            description="Lets API Gateway send orders to the order queue, and nothing else",
            assume_role_policy=iam.service_assume_role_policy("apigateway.amazonaws.com"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        statements = [iam.allow(["sqs:SendMessage"], [args.queue_arn])]
        if args.queue_kms_key_arn is not None:
            statements.append(
                iam.allow(["kms:GenerateDataKey", "kms:Decrypt"], [args.queue_kms_key_arn])
            )
        aws.iam.RolePolicy(
            f"{name}-queue-sender-policy",
            role=role.id,
            policy=iam.policy_document(statements),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return role

    def _handler(
        self,
        name: str,
        args: OrderApiArgs,
        *,
        handler: str,
        description: str,
        service_name: str,
        statements: list[iam.Statement],
        variables: dict[str, pulumi.Input[str]] | None = None,
    ) -> HandlerFunction:
        return HandlerFunction(
            name,
            HandlerFunctionArgs(
                handler=handler,
                description=description,
                service_name=service_name,
                context=args.functions,
                timeout_seconds=args.settings.function_timeout_seconds,
                memory_mb=args.settings.function_memory_mb,
                statements=statements,
                variables={contract.ORDERS_TABLE_ENV: args.table_name, **(variables or {})},
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_reader(self, name: str, args: OrderApiArgs) -> HandlerFunction:
        return self._handler(
            f"{name}-reader",
            args,
            handler="handlers.reader.handler",
            description=(
                "Serves GET /orders/{orderId}, GET /customers/{customerId}/orders and "
                "GET /submissions/{submissionId}"
            ),
            service_name=contract.READER_SERVICE_NAME,
            statements=[
                iam.allow(["dynamodb:GetItem"], [args.table_arn, args.submissions_table_arn]),
                iam.allow(["dynamodb:Query"], [args.customer_index_arn, args.submission_index_arn]),
            ],
            variables={contract.SUBMISSIONS_TABLE_ENV: args.submissions_table_name},
        )

    def _create_status_updater(self, name: str, args: OrderApiArgs) -> HandlerFunction:
        return self._handler(
            f"{name}-status-updater",
            args,
            handler="handlers.status_updater.handler",
            description="Serves PATCH /orders/{orderId}: conditional status transitions",
            service_name=contract.STATUS_UPDATER_SERVICE_NAME,
            statements=[iam.allow(["dynamodb:GetItem", "dynamodb:UpdateItem"], [args.table_arn])],
        )

    def _document(
        self,
        args: OrderApiArgs,
        queue_sender_role: aws.iam.Role,
        reader: HandlerFunction,
        status_updater: HandlerFunction,
    ) -> pulumi.Output[dict[str, object]]:
        signed = args.settings.auth is ApiAuth.IAM
        return pulumi.Output.all(
            pulumi.Output.from_input(args.queue_url),
            queue_sender_role.arn,
            reader.invoke_arn,
            status_updater.invoke_arn,
        ).apply(
            lambda values: openapi_document(
                DeploymentValues(
                    region=args.functions.region,
                    queue_path=queue_path(values[0]),
                    api_role_arn=values[1],
                    reader_invoke_arn=values[2],
                    status_updater_invoke_arn=values[3],
                ),
                signed=signed,
            )
        )

    def _write_models_after_import(
        self,
        name: str,
        args: OrderApiArgs,
        document: pulumi.Output[dict[str, object]],
        digest: pulumi.Output[str],
    ) -> list[ModelSchema]:
        """Every request body model again through the Model API, or the import's copy would
        validate without some of its rules (components.model_schema says which, and why)."""
        return [
            ModelSchema(
                f"{name}-model-{model.lower()}",
                rest_api_id=self._rest_api.id,
                model_name=model,
                schema=document.apply(partial(_model_text, model=model)),
                region=args.functions.region,
                import_digest=digest,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for model in request_body_model_names(source_document())
        ]

    def _create_stage(
        self,
        name: str,
        settings: ApiSettings,
        digest: pulumi.Output[str],
        models: list[ModelSchema],
        access_logs: aws.cloudwatch.LogGroup | None,
    ) -> aws.apigateway.Stage:
        # A deployment is a snapshot: a changed document needs a new one to go live, taken
        # once the models hold all their rules again.
        deployment = aws.apigateway.Deployment(
            f"{name}-deployment",
            rest_api=self._rest_api.id,
            triggers={"document": digest},
            opts=pulumi.ResourceOptions(parent=self, depends_on=models),
        )
        account = (
            [self._create_account_logging(name, access_logs)]
            if settings.manage_account_logging_role and access_logs is not None
            else []
        )
        stage = aws.apigateway.Stage(
            f"{name}-stage",
            rest_api=self._rest_api.id,
            deployment=deployment.id,
            stage_name=STAGE_NAME,
            xray_tracing_enabled=True,
            # Without access logs the stage needs no account-wide role: a fresh account's
            # first deploy succeeds (settings.api).
            access_log_settings=None
            if access_logs is None
            else aws.apigateway.StageAccessLogSettingsArgs(
                destination_arn=access_logs.arn, format=ACCESS_LOG_FORMAT
            ),
            tags={ACCESS_LOGS_TAG: ACCESS_LOGS_OFF} if access_logs is None else None,
            opts=pulumi.ResourceOptions(parent=self, depends_on=account),
        )
        aws.apigateway.MethodSettings(
            f"{name}-throttling",
            rest_api=self._rest_api.id,
            stage_name=stage.stage_name,
            method_path="*/*",
            settings=aws.apigateway.MethodSettingsSettingsArgs(
                throttling_rate_limit=settings.throttling_rate_limit,
                throttling_burst_limit=settings.throttling_burst_limit,
                # Bodies carry customer ids: never copy them into execution logs.
                data_trace_enabled=False,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return stage

    def _create_account_logging(
        self, name: str, access_logs: aws.cloudwatch.LogGroup
    ) -> aws.apigateway.Account:
        """API Gateway's account-wide CloudWatch role, without which no stage may log.

        There is one per account and region, shared by every API in it: it is retained on
        delete, so destroying this stack never silences the others' logs.
        """
        retained = pulumi.ResourceOptions(parent=self, retain_on_delete=True)
        role = aws.iam.Role(
            f"{name}-account-logging",
            description="API Gateway's CloudWatch Logs role for this account and region",
            assume_role_policy=iam.service_assume_role_policy("apigateway.amazonaws.com"),
            opts=retained,
        )
        # The role writes every API's logs in the region, so it is scoped to the region's
        # log groups, not to this stack's.
        regional_log_groups = access_logs.arn.apply(
            lambda arn: arn.rsplit(":log-group:", 1)[0] + ":log-group:*"
        )
        aws.iam.RolePolicy(
            f"{name}-account-logging-policy",
            role=role.id,
            policy=iam.policy_document(
                [
                    iam.allow(
                        [
                            "logs:CreateLogGroup",
                            "logs:CreateLogStream",
                            "logs:DescribeLogGroups",
                            "logs:DescribeLogStreams",
                            "logs:PutLogEvents",
                        ],
                        [regional_log_groups],
                    )
                ]
            ),
            opts=retained,
        )
        return aws.apigateway.Account(
            f"{name}-account", cloudwatch_role_arn=role.arn, opts=retained
        )

    def _route_arn(self, route: str) -> pulumi.Output[str]:
        """Invocations through this stage's route only: not another stage, not the console."""
        return self._rest_api.execution_arn.apply(lambda arn: f"{arn}/{STAGE_NAME}/{route}")

    def _create_invoke_permissions(
        self, name: str, reader: HandlerFunction, status_updater: HandlerFunction
    ) -> None:
        for function, suffix, routes in (
            (reader, "reader", READER_ROUTES),
            (status_updater, "status-updater", STATUS_UPDATER_ROUTES),
        ):
            for index, route in enumerate(routes):
                aws.lambda_.Permission(
                    f"{name}-{suffix}-invoke-{index}",
                    action="lambda:InvokeFunction",
                    function=function.function_name,
                    principal="apigateway.amazonaws.com",
                    source_arn=self._route_arn(route),
                    opts=pulumi.ResourceOptions(parent=self),
                )

    def _create_web_acl(
        self, name: str, settings: ApiSettings, stage: aws.apigateway.Stage
    ) -> None:
        web_acl = aws.wafv2.WebAcl(
            f"{name}-waf",
            description="Rate limit per client IP in front of the order API",
            scope="REGIONAL",
            default_action=aws.wafv2.WebAclDefaultActionArgs(
                allow=aws.wafv2.WebAclDefaultActionAllowArgs()
            ),
            rules=[
                aws.wafv2.WebAclRuleArgs(
                    name="rate-limit-per-ip",
                    priority=0,
                    action=aws.wafv2.WebAclRuleActionArgs(
                        block=aws.wafv2.WebAclRuleActionBlockArgs()
                    ),
                    statement=aws.wafv2.WebAclRuleStatementArgs(
                        rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
                            limit=settings.waf_rate_limit,
                            aggregate_key_type="IP",
                            evaluation_window_sec=300,
                        )
                    ),
                    visibility_config=aws.wafv2.WebAclRuleVisibilityConfigArgs(
                        cloudwatch_metrics_enabled=True,
                        metric_name=f"{name}-rate-limit-per-ip",
                        sampled_requests_enabled=True,
                    ),
                )
            ],
            visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True,
                metric_name=f"{name}-waf",
                sampled_requests_enabled=True,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.wafv2.WebAclAssociation(
            f"{name}-waf-association",
            resource_arn=stage.arn,
            web_acl_arn=web_acl.arn,
            opts=pulumi.ResourceOptions(parent=self),
        )
