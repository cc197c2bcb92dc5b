"""A Python Lambda function with its own role, log group and least-privilege policy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components import iam
from components.code_archive import handlers_archive
from handlers import contract
from settings.core import FunctionContext, FunctionSettings

# The public Powertools for AWS Lambda (Python) layer account.
POWERTOOLS_LAYER_ACCOUNT = "017000801446"


def powertools_layer_arn(region: str, settings: FunctionSettings) -> str:
    python = settings.runtime.replace(".", "")
    return (
        f"arn:aws:lambda:{region}:{POWERTOOLS_LAYER_ACCOUNT}:layer:"
        f"AWSLambdaPowertoolsPythonV3-{python}-{settings.architecture}:"
        f"{settings.powertools_layer_version}"
    )


@dataclass(frozen=True)
class HandlerFunctionArgs:
    handler: str
    """Entry point inside the archive, e.g. `handlers.processor.handler`."""
    description: str
    service_name: str
    """Powertools service name: the `service` key of every log line and metric."""
    context: FunctionContext
    timeout_seconds: int
    memory_mb: int
    statements: Sequence[iam.Statement]
    """What the code itself does; log and trace permissions are added here."""
    variables: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)


class HandlerFunction(pulumi.ComponentResource):
    """One function, the role it runs as, the only policy that role has, and its log group."""

    function_name: pulumi.Output[str]
    """The function's name: what an event source mapping or a permission names it by, and
    the `FunctionName` dimension of its CloudWatch metrics."""
    function_arn: pulumi.Output[str]
    """The function's ARN, for an event source mapping to invoke."""
    invoke_arn: pulumi.Output[str]
    """The ARN API Gateway integrations invoke the function by."""
    role_arn: pulumi.Output[str]
    """The role the function runs as: the principal a resource policy names to let it in."""
    log_group_name: pulumi.Output[str]
    """Where the function writes its JSON logs."""

    def __init__(
        self, name: str, args: HandlerFunctionArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("order-pipeline:lambda:HandlerFunction", name, None, opts)
        self._log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            retention_in_days=args.context.settings.log_retention_days,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self._role = aws.iam.Role(
            f"{name}-role",
            description=f"Runs {args.handler}",
            assume_role_policy=iam.service_assume_role_policy("lambda.amazonaws.com"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        policy = self._create_policy(name, args)
        function = self._create_function(name, args, depends_on=[policy])
        self.function_name = function.name
        self.function_arn = function.arn
        self.invoke_arn = function.invoke_arn
        self.role_arn = self._role.arn
        self.log_group_name = self._log_group.name
        self.register_outputs(
            {
                "function_name": self.function_name,
                "function_arn": self.function_arn,
                "invoke_arn": self.invoke_arn,
                "role_arn": self.role_arn,
                "log_group_name": self.log_group_name,
            }
        )

    def _create_policy(self, name: str, args: HandlerFunctionArgs) -> aws.iam.RolePolicy:
        statements = [
            *args.statements,
            # The function writes only to its own log group, never creates one.
            iam.allow(
                ["logs:CreateLogStream", "logs:PutLogEvents"],
                [self._log_group.arn.apply(lambda arn: f"{arn}:*")],
            ),
            # X-Ray has no resource-level permissions: "*" is the only valid resource.
            iam.allow(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]),
        ]
        return aws.iam.RolePolicy(
            f"{name}-policy",
            role=self._role.id,
            policy=iam.policy_document(statements),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_function(
        self, name: str, args: HandlerFunctionArgs, depends_on: Sequence[pulumi.Resource]
    ) -> aws.lambda_.Function:
        variables: dict[str, pulumi.Input[str]] = {
            "POWERTOOLS_SERVICE_NAME": args.service_name,
            "POWERTOOLS_METRICS_NAMESPACE": contract.METRICS_NAMESPACE,
            contract.ENVIRONMENT_ENV: args.context.environment_name,
            **args.variables,
        }
        return aws.lambda_.Function(
            f"{name}-function",
            description=args.description,
            runtime=args.context.settings.runtime,
            architectures=[args.context.settings.architecture],
            handler=args.handler,
            code=handlers_archive(),
            role=self._role.arn,
            timeout=args.timeout_seconds,
            memory_size=args.memory_mb,
            layers=[powertools_layer_arn(args.context.region, args.context.settings)],
            environment=aws.lambda_.FunctionEnvironmentArgs(variables=variables),
            tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="JSON", log_group=self._log_group.name
            ),
            # The policy must exist before the first invocation tries to log or trace.
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(depends_on)),
        )
