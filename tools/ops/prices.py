"""The list prices the cost estimate uses, with where and when they were read.

US East (N. Virginia), on-demand, USD, as listed on PRICED_ON on the pages below. Many
services cost a little more in other regions: a stack in a region without a table here is
priced at PRICED_REGION's figures, and the estimate says so (`priced_in`). Free tiers are left
out: they belong to the account, not to one stack.
"""

from __future__ import annotations

from dataclasses import dataclass

PRICED_REGION = "us-east-1"
PRICED_ON = "2026-11-25"

MILLION = 1_000_000


@dataclass(frozen=True)
class Price:
    usd: float
    unit: str
    source: str


@dataclass(frozen=True)
class PriceTable:
    api_request: Price
    sqs_request: Price
    lambda_request: Price
    lambda_gb_second_arm64: Price
    lambda_gb_second_x86_64: Price
    dynamodb_write_unit: Price
    dynamodb_read_unit: Price
    dynamodb_storage_gb_month: Price
    dynamodb_backup_gb_month: Price
    sns_publish: Price
    sns_http_delivery: Price
    sns_email_delivery: Price
    logs_ingested_gb: Price
    logs_stored_gb_month: Price
    alarm_metric_month: Price
    high_resolution_alarm_metric_month: Price
    dashboard_month: Price
    custom_metric_month: Price
    xray_trace: Price
    kms_key_month: Price
    waf_web_acl_month: Price
    waf_rule_month: Price
    waf_request: Price

    def sources(self) -> list[str]:
        return sorted({getattr(self, field).source for field in self.__dataclass_fields__})


_API = "https://aws.amazon.com/api-gateway/pricing/"
_SQS = "https://aws.amazon.com/sqs/pricing/"
_LAMBDA = "https://aws.amazon.com/lambda/pricing/"
_DYNAMODB = "https://aws.amazon.com/dynamodb/pricing/on-demand/"
_SNS = "https://aws.amazon.com/sns/pricing/"
_CLOUDWATCH = "https://aws.amazon.com/cloudwatch/pricing/"
_XRAY = "https://aws.amazon.com/xray/pricing/"
_KMS = "https://aws.amazon.com/kms/pricing/"
_WAF = "https://aws.amazon.com/waf/pricing/"

LIST_PRICES = PriceTable(
    api_request=Price(3.50 / MILLION, "REST API request (first 333 million a month)", _API),
    sqs_request=Price(0.40 / MILLION, "standard queue request (64 KiB chunk)", _SQS),
    lambda_request=Price(0.20 / MILLION, "invocation", _LAMBDA),
    lambda_gb_second_arm64=Price(0.0000133334, "GB-second on arm64", _LAMBDA),
    lambda_gb_second_x86_64=Price(0.0000166667, "GB-second on x86_64", _LAMBDA),
    dynamodb_write_unit=Price(0.625 / MILLION, "on-demand write request unit", _DYNAMODB),
    dynamodb_read_unit=Price(0.125 / MILLION, "on-demand read request unit", _DYNAMODB),
    dynamodb_storage_gb_month=Price(0.25, "GB-month of table storage", _DYNAMODB),
    dynamodb_backup_gb_month=Price(0.20, "GB-month of point-in-time recovery", _DYNAMODB),
    sns_publish=Price(0.50 / MILLION, "publish (64 KiB chunk)", _SNS),
    sns_http_delivery=Price(0.60 / MILLION, "HTTP(S) delivery", _SNS),
    sns_email_delivery=Price(2.00 / 100_000, "email delivery", _SNS),
    logs_ingested_gb=Price(0.50, "GB of logs ingested", _CLOUDWATCH),
    logs_stored_gb_month=Price(0.03, "GB-month of logs stored", _CLOUDWATCH),
    alarm_metric_month=Price(0.10, "standard-resolution alarm metric a month", _CLOUDWATCH),
    high_resolution_alarm_metric_month=Price(
        0.30, "high-resolution alarm metric a month", _CLOUDWATCH
    ),
    dashboard_month=Price(3.00, "dashboard a month", _CLOUDWATCH),
    custom_metric_month=Price(0.30, "custom metric a month (first 10,000)", _CLOUDWATCH),
    xray_trace=Price(5.00 / MILLION, "trace recorded", _XRAY),
    kms_key_month=Price(1.00, "customer managed key a month", _KMS),
    waf_web_acl_month=Price(5.00, "web ACL a month", _WAF),
    waf_rule_month=Price(1.00, "rule a month", _WAF),
    waf_request=Price(0.60 / MILLION, "request inspected", _WAF),
)

# The regions with a price table of their own, by region.
PRICE_TABLES = {PRICED_REGION: LIST_PRICES}


def prices_for(region: str) -> PriceTable:
    """The region's own list prices, or PRICED_REGION's where there is no table for it."""
    return PRICE_TABLES.get(region, LIST_PRICES)


def priced_in(region: str) -> str:
    """Which region's list prices an estimate for a stack in `region` uses, said plainly."""
    if region in PRICE_TABLES:
        return f"{region} list prices (the stack's region) as of {PRICED_ON}, in USD"
    return (
        f"{PRICED_REGION} list prices as of {PRICED_ON}, in USD, not "
        f"{region or 'the stack region'}'s: there is no price table for it here, and AWS "
        f"lists some prices higher outside {PRICED_REGION} (DynamoDB on-demand requests among "
        "them), so expect the total to be low; the source pages list every region's prices"
    )
