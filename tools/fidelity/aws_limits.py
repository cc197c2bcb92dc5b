"""The AWS limits and enumerations a deployment must respect, each with its source.

Values are transcribed from the AWS documentation named next to them; when AWS changes a
limit, change it here and nowhere else. Log retention values are the program's own
(`settings.core.LOG_RETENTION_DAYS`), so the config check and this one cannot disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Final

from settings.core import LOG_RETENTION_DAYS

__all__ = ["LOG_RETENTION_DAYS"]


@dataclass(frozen=True)
class NameRule:
    """How AWS limits a resource's name, and which input holds it."""

    key: str
    max_length: int
    pattern: re.Pattern[str]
    source: str
    min_length: int = 1
    auto_named: bool = True
    """Pulumi generates `<logical name>-<7 characters>` when the input is not set."""


# Type token -> the name AWS validates.
NAME_RULES: Final[dict[str, NameRule]] = {
    # https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html#lambda-CreateFunction-request-FunctionName
    "aws:lambda/function:Function": NameRule(
        "name", 64, re.compile(r"^[a-zA-Z0-9_-]+$"), "Lambda CreateFunction FunctionName"
    ),
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
    "aws:iam/role:Role": NameRule(
        "name", 64, re.compile(r"^[\w+=,.@-]+$"), "IAM quotas: role name"
    ),
    "aws:iam/rolePolicy:RolePolicy": NameRule(
        "name", 128, re.compile(r"^[\w+=,.@-]+$"), "IAM quotas: policy name"
    ),
    "aws:iam/policy:Policy": NameRule(
        "name", 128, re.compile(r"^[\w+=,.@-]+$"), "IAM quotas: policy name"
    ),
    # https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html
    "aws:sqs/queue:Queue": NameRule(
        "name", 80, re.compile(r"^[a-zA-Z0-9_-]+(\.fifo)?$"), "SQS CreateQueue QueueName"
    ),
    # https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html
    "aws:cloudwatch/logGroup:LogGroup": NameRule(
        "name", 512, re.compile(r"^[.\-_/#A-Za-z0-9]+$"), "Logs CreateLogGroup logGroupName"
    ),
    # https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html
    "aws:sns/topic:Topic": NameRule(
        "name", 256, re.compile(r"^[A-Za-z0-9_-]+(\.fifo)?$"), "SNS CreateTopic Name"
    ),
    # https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html
    "aws:dynamodb/table:Table": NameRule(
        "name", 255, re.compile(r"^[a-zA-Z0-9_.-]+$"), "DynamoDB CreateTable TableName", 3
    ),
    # https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
    "aws:cloudwatch/metricAlarm:MetricAlarm": NameRule(
        "name", 255, re.compile(r"^[\x20-\x7e]+$"), "CloudWatch PutMetricAlarm AlarmName"
    ),
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": NameRule(
        "alarmName", 255, re.compile(r"^[\x20-\x7e]+$"), "CloudWatch PutCompositeAlarm", 1, False
    ),
    # https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html
    "aws:cloudwatch/dashboard:Dashboard": NameRule(
        "dashboardName",
        255,
        re.compile(r"^[A-Za-z0-9_-]+$"),
        "CloudWatch PutDashboard DashboardName",
        auto_named=False,
    ),
    # https://docs.aws.amazon.com/apigateway/latest/api/API_CreateStage.html
    "aws:apigateway/stage:Stage": NameRule(
        "stageName",
        128,
        re.compile(r"^[a-zA-Z0-9_-]+$"),
        "API Gateway CreateStage stageName",
        auto_named=False,
    ),
    # https://docs.aws.amazon.com/apigateway/latest/api/API_CreateModel.html
    "aws:apigateway/model:Model": NameRule(
        "name", 255, re.compile(r"^[a-zA-Z0-9]+$"), "API Gateway CreateModel name"
    ),
    # https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html
    "aws:kms/alias:Alias": NameRule(
        "name",
        256,
        re.compile(r"^alias/(?!aws/)[a-zA-Z0-9/_-]+$"),
        "KMS CreateAlias AliasName",
        auto_named=False,
    ),
    # https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html
    "aws:wafv2/webAcl:WebAcl": NameRule(
        "name", 128, re.compile(r"^[\w-]+$"), "WAFv2 CreateWebACL Name"
    ),
    # https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html
    "aws:lambda/permission:Permission": NameRule(
        "statementId", 100, re.compile(r"^[a-zA-Z0-9_-]+$"), "Lambda AddPermission StatementId"
    ),
}

# https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html ("Supported runtimes"):
# the identifiers Lambda still supports, with their deprecation dates. A runtime past its
# date is refused by the check even before AWS blocks updates, so an upgrade is never a
# surprise; runtimes on Amazon Linux 2 all end with it.
LAMBDA_RUNTIME_DEPRECATION: Final[dict[str, date]] = {
    "python3.14": date(2029, 6, 30),
    "python3.13": date(2029, 6, 30),
    "python3.12": date(2028, 10, 31),
    "python3.11": date(2026, 6, 30),
    "python3.10": date(2026, 6, 30),
    "nodejs24.x": date(2028, 4, 30),
    "nodejs22.x": date(2027, 4, 30),
    "java25": date(2029, 6, 30),
    "java21": date(2029, 6, 30),
    "java17": date(2026, 6, 30),
    "dotnet10": date(2028, 11, 14),
    "dotnet8": date(2026, 11, 10),
    "ruby3.4": date(2028, 3, 31),
    "ruby3.3": date(2027, 3, 31),
    "provided.al2023": date(2029, 6, 30),
}

LAMBDA_ARCHITECTURES: Final = ("arm64", "x86_64")
# https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html
LAMBDA_MEMORY_MB: Final = (128, 10_240)
LAMBDA_TIMEOUT_SECONDS: Final = (1, 900)
LAMBDA_EPHEMERAL_STORAGE_MB: Final = (512, 10_240)
LAMBDA_DESCRIPTION_MAX: Final = 256
LAMBDA_MAX_LAYERS: Final = 5
LAMBDA_TRACING_MODES: Final = ("Active", "PassThrough")
LAMBDA_LOG_FORMATS: Final = ("JSON", "Text")
# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html: 4 KB of variables.
LAMBDA_ENVIRONMENT_MAX_BYTES: Final = 4096
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
LAMBDA_RESERVED_VARIABLES: Final = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
LAMBDA_VARIABLE_NAME: Final = re.compile(r"^[a-zA-Z]\w+$")
# The public Powertools layer names its runtime and architecture; both must match the function.
POWERTOOLS_LAYER: Final = re.compile(
    r"^arn:aws:lambda:[a-z0-9-]+:\d{12}:layer:AWSLambdaPowertoolsPythonV3-"
    r"(?P<runtime>python\d+)-(?P<architecture>arm64|x86_64):\d+$"
)

# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
SQS_RETENTION_SECONDS: Final = (60, 1_209_600)
SQS_VISIBILITY_TIMEOUT_SECONDS: Final = (0, 43_200)
SQS_DELAY_SECONDS: Final = (0, 900)
SQS_RECEIVE_WAIT_SECONDS: Final = (0, 20)
SQS_MAX_MESSAGE_BYTES: Final = (1_024, 1_048_576)
SQS_KMS_DATA_KEY_REUSE_SECONDS: Final = (60, 86_400)
SQS_MAX_RECEIVE_COUNT: Final = (1, 1_000)

# https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html and
# https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
ESM_SQS_STANDARD_BATCH_SIZE: Final = (1, 10_000)
ESM_SQS_FIFO_BATCH_SIZE: Final = (1, 10)
ESM_SQS_UNWINDOWED_BATCH_SIZE: Final = 10
"""Above this, a standard-queue mapping needs a batching window of at least one second."""
ESM_STREAM_BATCH_SIZE: Final = (1, 10_000)
ESM_BATCHING_WINDOW_SECONDS: Final = (0, 300)
ESM_MAX_CONCURRENCY: Final = (2, 1_000)
ESM_STREAM_RETRY_ATTEMPTS: Final = (-1, 10_000)
ESM_STREAM_RECORD_AGE_SECONDS: Final = (60, 604_800)
"""Or -1 for infinite."""
ESM_PARALLELIZATION_FACTOR: Final = (1, 10)
ESM_STARTING_POSITIONS: Final = ("TRIM_HORIZON", "LATEST")
ESM_RESPONSE_TYPES: Final = ("ReportBatchItemFailures",)
# https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html#events-sqs-queueconfig
VISIBILITY_TIMEOUT_FUNCTION_TIMEOUTS: Final = 6
"""The queue's visibility timeout: at least six function timeouts plus the batching window."""

# https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
ALARM_COMPARISON_OPERATORS: Final = (
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
)
ALARM_ANOMALY_OPERATORS: Final = (
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
)
ALARM_STATISTICS: Final = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
ALARM_EXTENDED_STATISTIC: Final = re.compile(
    r"^(p|tm|tc|ts|wm|TM|TC|TS|PR)(\d{1,2}(\.\d{1,10})?|100)$"
    r"|^(TM|TC|TS|PR)\(\d*(\.\d+)?%?:\d*(\.\d+)?%?\)$"
)
ALARM_TREAT_MISSING_DATA: Final = ("breaching", "notBreaching", "ignore", "missing")
ALARM_LOW_SAMPLE_COUNT: Final = ("evaluate", "ignore")
ALARM_HIGH_RESOLUTION_PERIODS: Final = (10, 30)
"""Otherwise a period is a multiple of 60 seconds."""
ALARM_MAX_EVALUATION_SECONDS: Final = 86_400
"""Evaluation periods x period, for periods under an hour..."""
ALARM_MAX_EVALUATION_SECONDS_HOURLY: Final = 604_800
"""...and for periods of an hour or more."""
ALARM_MAX_ACTIONS: Final = 5
ALARM_MAX_DIMENSIONS: Final = 30

# https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html
DYNAMODB_BILLING_MODES: Final = ("PROVISIONED", "PAY_PER_REQUEST")
DYNAMODB_STREAM_VIEW_TYPES: Final = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")
DYNAMODB_ATTRIBUTE_TYPES: Final = ("S", "N", "B")
DYNAMODB_PROJECTION_TYPES: Final = ("ALL", "KEYS_ONLY", "INCLUDE")
DYNAMODB_MAX_GLOBAL_INDEXES: Final = 20

# https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html
SNS_PROTOCOLS: Final = (
    "http",
    "https",
    "email",
    "email-json",
    "sms",
    "sqs",
    "application",
    "lambda",
    "firehose",
)
SNS_RAW_DELIVERY_PROTOCOLS: Final = ("http", "https", "sqs", "firehose")
SNS_FILTER_POLICY_SCOPES: Final = ("MessageAttributes", "MessageBody")

# https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html
KMS_DELETION_WINDOW_DAYS: Final = (7, 30)
# https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html
KMS_ROTATION_PERIOD_DAYS: Final = (90, 2_560)

# https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html:
# an access log format must contain the request id.
API_ACCESS_LOG_REQUIRED: Final = ("$context.requestId", "$context.extendedRequestId")
