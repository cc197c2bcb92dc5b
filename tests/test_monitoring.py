"""Monitoring under Pulumi mocks: the alarm topic and its key, every alarm, the dashboard."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

import pulumi
import pytest

from components import cloudwatch_metrics as cw
from components.monitoring import Monitoring, MonitoringArgs
from components.watches import ApiWatch, NotifierWatch, QueueWatch, StoreWatch
from tests.factories import settings_for
from tests.pulumi_harness import TEST_REGION, OutputChecks, registered
from tools.pulumi_mocks.recording import ACCOUNT_ID, RecordingMocks

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
PREFIX = "order-pipeline-test"

# Names as the other components' outputs would carry them.
WATCHED = {
    "table_name": "orders-table-1a2b3c4",
    "queue_name": "orders-queue-1a2b3c4",
    "dead_letter_queue_name": "orders-dlq-1a2b3c4",
    "processor_function_name": "orders-processor-function-1a2b3c4",
    "api_name": "orders-api-1a2b3c4",
    "api_stage_name": "v1",
    "notifier_function_name": "orders-notifier-function-1a2b3c4",
    "notifier_failure_queue_name": "orders-notifier-failures-1a2b3c4",
    "events_topic_name": "orders-events-1a2b3c4",
}
API_FUNCTIONS = {
    "reader": "orders-reader-function-1a2b3c4",
    "status updater": "orders-status-updater-function-1a2b3c4",
}

KEY_USE = {"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom",
           "kms:ReEncryptTo", "kms:GenerateDataKeyWithoutPlaintext", "kms:CreateGrant"}  # fmt: skip


def _monitoring(environment: str = "dev", timeout_seconds: int = 30, **config: str) -> Monitoring:
    """Monitoring of the watches the other components would expose, named as in WATCHED."""
    return Monitoring(
        "monitoring",
        MonitoringArgs(
            settings=settings_for(environment, **config).monitoring,
            name_prefix=PREFIX,
            environment_name=environment,
            region=TEST_REGION,
            store=StoreWatch(table_name=WATCHED["table_name"]),
            queue=QueueWatch(
                queue_name=WATCHED["queue_name"],
                dead_letter_queue_name=WATCHED["dead_letter_queue_name"],
                processor_function_name=WATCHED["processor_function_name"],
                processor_timeout_seconds=timeout_seconds,
            ),
            api=ApiWatch(
                api_name=WATCHED["api_name"],
                stage_name=WATCHED["api_stage_name"],
                function_names=API_FUNCTIONS,
            ),
            notifier=NotifierWatch(
                function_name=WATCHED["notifier_function_name"],
                failure_queue_name=WATCHED["notifier_failure_queue_name"],
                topic_name=WATCHED["events_topic_name"],
            ),
        ),
    )


def _alarms(mocks: RecordingMocks) -> dict[str, dict[str, Any]]:
    """Recorded alarm inputs by their name without the stack prefix."""
    return {
        alarm.inputs["name"].removeprefix(f"{PREFIX}-"): alarm.inputs
        for alarm in mocks.of_type(ALARM)
    }


def _metric_stats(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """Each metric the alarm reads, as {namespace, metricName, dimensions, stat}."""
    if "metricQueries" in alarm:
        return [query["metric"] for query in alarm["metricQueries"] if "metric" in query]
    stat = alarm.get("statistic") or alarm["extendedStatistic"]
    return [{**alarm, "stat": stat}]


def _statements(policy: str) -> dict[str, dict[str, Any]]:
    return {statement["Sid"]: statement for statement in json.loads(policy)["Statement"]}


@pulumi.runtime.test
def test_alarm_topic_is_encrypted_with_a_key_only_cloudwatch_may_use(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    monitoring = _monitoring()

    def check(urns: list[str]) -> None:
        key = pulumi_mocks.named("aws:kms/key:Key", "monitoring-alarm-key")
        topic = pulumi_mocks.named("aws:sns/topic:Topic", "monitoring-alarm-topic")
        # The URNs live stacks have: any other parent or name would replace key and topic.
        owner = "urn:pulumi:test::order-pipeline::order-pipeline:observability:Monitoring"
        key_and_topic = ("::monitoring-alarm-key", "::monitoring-alarm-topic")
        assert [urn for urn in urns if urn.endswith(key_and_topic)] == [
            f"{owner}$aws:kms/key:Key::monitoring-alarm-key",
            f"{owner}$aws:sns/topic:Topic::monitoring-alarm-topic",
        ]
        assert topic.inputs["kmsMasterKeyId"] == key.state["arn"]
        assert key.inputs["enableKeyRotation"] is True
        statements = _statements(key.inputs["policy"])
        admin = statements["AccountAdministersTheKey"]
        assert admin["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}
        # the account manages the key but can never use it, nor grant itself its use
        assert not KEY_USE & set(admin["Action"])
        assert all("*" not in action for action in admin["Action"])
        cloudwatch = statements["CloudWatchAlarmsPublishEncrypted"]
        assert cloudwatch["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
        assert set(cloudwatch["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}
        assert len(statements) == 2

    return checks.that(registered(monitoring).apply(sorted), check)


@pulumi.runtime.test
def test_only_this_stacks_alarms_may_publish_and_only_over_tls(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    monitoring = _monitoring()

    def check(_: object) -> None:
        policy = pulumi_mocks.named(
            "aws:sns/topicPolicy:TopicPolicy", "monitoring-alarm-topic-policy"
        )
        topic_arn = pulumi_mocks.named("aws:sns/topic:Topic", "monitoring-alarm-topic").state["arn"]
        assert policy.inputs["arn"] == topic_arn
        statements = _statements(policy.inputs["policy"])
        publish = statements["ThisStacksAlarmsPublish"]
        assert publish["Effect"] == "Allow"
        assert publish["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
        assert publish["Action"] == "SNS:Publish"
        assert publish["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT_ID}
        source_arn = publish["Condition"]["ArnLike"]["aws:SourceArn"]
        alarm_arns = [alarm.state["arn"] for alarm in pulumi_mocks.of_type(ALARM)]
        assert alarm_arns
        # every alarm of the stack can publish, an alarm of another stack cannot
        assert all(fnmatchcase(arn, source_arn) for arn in alarm_arns)
        assert not fnmatchcase(alarm_arns[0].replace(PREFIX, "someone-else"), source_arn)
        tls = statements["DenyInsecureTransport"]
        assert tls["Effect"] == "Deny"
        assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert tls["Principal"] == "*"
        # SNS refuses "sns:*" in a topic policy: the statement lists every topic action
        assert "SNS:Publish" in tls["Action"]
        assert not any("*" in action for action in tls["Action"])
        assert len(statements) == 2

    return checks.that(registered(monitoring), check)


@pulumi.runtime.test
def test_alarm_emails_from_config_are_subscribed(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    monitoring = _monitoring(alarmEmails='["ops@example.com", "oncall@example.org"]')

    def check(_: object) -> None:
        subscriptions = pulumi_mocks.of_type("aws:sns/topicSubscription:TopicSubscription")
        topic_arn = pulumi_mocks.named("aws:sns/topic:Topic", "monitoring-alarm-topic").state["arn"]
        assert {sub.inputs["endpoint"] for sub in subscriptions} == {
            "ops@example.com",
            "oncall@example.org",
        }
        assert {sub.inputs["protocol"] for sub in subscriptions} == {"email"}
        assert {sub.inputs["topic"] for sub in subscriptions} == {topic_arn}
        assert not any("@" in sub.name for sub in subscriptions)

    return checks.that(registered(monitoring), check)


@pulumi.runtime.test
def test_without_emails_config_nobody_is_subscribed(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    monitoring = _monitoring("prod")

    def check(_: object) -> None:
        assert pulumi_mocks.of_type("aws:sns/topicSubscription:TopicSubscription") == []

    return checks.that(registered(monitoring), check)


# alarm -> (namespace, metric names read, the watched resource by dimension)
REQUIRED_ALARMS = {
    "dead-letter-queue-not-empty": ("AWS/SQS", {"ApproximateNumberOfMessagesVisible"},
                                    {"QueueName": WATCHED["dead_letter_queue_name"]}),
    "queue-oldest-message-age": ("AWS/SQS", {"ApproximateAgeOfOldestMessage"},
                                 {"QueueName": WATCHED["queue_name"]}),
    "processor-errors": ("AWS/Lambda", {"Errors"},
                         {"FunctionName": WATCHED["processor_function_name"]}),
    "processor-throttles": ("AWS/Lambda", {"Throttles"},
                            {"FunctionName": WATCHED["processor_function_name"]}),
    "processor-duration-near-timeout": ("AWS/Lambda", {"Duration"},
                                        {"FunctionName": WATCHED["processor_function_name"]}),
    "notifier-errors": ("AWS/Lambda", {"Errors"},
                        {"FunctionName": WATCHED["notifier_function_name"]}),
    "notifier-iterator-age": ("AWS/Lambda", {"IteratorAge"},
                              {"FunctionName": WATCHED["notifier_function_name"]}),
    "notifier-failures-not-empty": ("AWS/SQS", {"ApproximateNumberOfMessagesVisible"},
                                    {"QueueName": WATCHED["notifier_failure_queue_name"]}),
    "api-5xx-rate": ("AWS/ApiGateway", {"Count", "5XXError"},
                     {"ApiName": WATCHED["api_name"], "Stage": WATCHED["api_stage_name"]}),
    "api-4xx-rate": ("AWS/ApiGateway", {"Count", "4XXError"},
                     {"ApiName": WATCHED["api_name"], "Stage": WATCHED["api_stage_name"]}),
    "api-p99-latency": ("AWS/ApiGateway", {"Latency"},
                        {"ApiName": WATCHED["api_name"], "Stage": WATCHED["api_stage_name"]}),
    "table-throttled-requests": ("AWS/DynamoDB", {"ThrottledRequests"},
                                 {"TableName": WATCHED["table_name"]}),
    "table-system-errors": ("AWS/DynamoDB", {"SystemErrors"},
                            {"TableName": WATCHED["table_name"]}),
    "events-notifications-failed": ("AWS/SNS", {"NumberOfNotificationsFailed"},
                                    {"TopicName": WATCHED["events_topic_name"]}),
}  # fmt: skip


@pytest.mark.parametrize("environment", ["dev", "prod"])
@pulumi.runtime.test
def test_each_required_alarm_reads_its_resources_metrics_and_notifies_both_ways(
    pulumi_mocks: RecordingMocks, checks: OutputChecks, environment: str
) -> pulumi.Output[None]:
    monitoring = _monitoring(environment)

    def check(_: object) -> None:
        topic_arn = pulumi_mocks.named("aws:sns/topic:Topic", "monitoring-alarm-topic").state["arn"]
        alarms = _alarms(pulumi_mocks)
        assert set(alarms) == set(REQUIRED_ALARMS)
        for name, (namespace, metric_names, resource) in REQUIRED_ALARMS.items():
            alarm = alarms[name]
            metrics = _metric_stats(alarm)
            assert {metric["namespace"] for metric in metrics} == {namespace}, name
            assert {metric["metricName"] for metric in metrics} == metric_names, name
            for metric in metrics:
                assert resource.items() <= metric["dimensions"].items(), name
            assert alarm["alarmActions"] == alarm["okActions"] == [topic_arn], name
            assert alarm["treatMissingData"] in {"notBreaching", "ignore"}, name
            assert 1 <= alarm["datapointsToAlarm"] <= alarm["evaluationPeriods"], name
            assert alarm["alarmDescription"], name

    return checks.that(registered(monitoring), check)


@pulumi.runtime.test
def test_evaluation_windows_come_from_config_except_failure_queues_which_page_at_once(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    monitoring = _monitoring(
        "prod", alarmPeriodSeconds="120", alarmEvaluationPeriods="6", alarmDatapointsToAlarm="4"
    )
    at_once = {"dead-letter-queue-not-empty", "notifier-failures-not-empty",
               "events-notifications-failed"}  # fmt: skip

    def check(_: object) -> None:
        for name, alarm in _alarms(pulumi_mocks).items():
            expected = (1, 1) if name in at_once else (4, 6)
            assert (alarm["datapointsToAlarm"], alarm["evaluationPeriods"]) == expected, name
            assert {metric["period"] for metric in _metric_stats(alarm)} == {120}, name

    return checks.that(registered(monitoring), check)


@pulumi.runtime.test
def test_thresholds_come_from_config(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    monitoring = _monitoring(
        "dev",
        timeout_seconds=40,
        durationAlarmPercentOfTimeout="50",
        queueAgeAlarmSeconds="240",
        iteratorAgeAlarmSeconds="90",
        apiLatencyAlarmMs="700",
        api5xxAlarmPercent="2",
        api4xxAlarmPercent="30",
        functionErrorsAlarmThreshold="3",
        throttlesAlarmThreshold="7",
    )

    def check(_: object) -> None:
        alarms = _alarms(pulumi_mocks)
        thresholds = {name: alarm["threshold"] for name, alarm in alarms.items()}
        assert thresholds["processor-duration-near-timeout"] == 40 * 1000 * 0.5
        assert thresholds["queue-oldest-message-age"] == 240
        assert thresholds["notifier-iterator-age"] == 90 * 1000
        assert thresholds["api-p99-latency"] == 700
        assert thresholds["api-5xx-rate"] == 2
        assert thresholds["api-4xx-rate"] == 30
        assert thresholds["processor-errors"] == thresholds["notifier-errors"] == 3
        assert thresholds["processor-throttles"] == thresholds["table-throttled-requests"] == 7

    return checks.that(registered(monitoring), check)


@pulumi.runtime.test
def test_latencies_are_p99_and_keep_their_state_without_traffic(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    monitoring = _monitoring()

    def check(_: object) -> None:
        alarms = _alarms(pulumi_mocks)
        latencies = {"processor-duration-near-timeout", "api-p99-latency"}
        for name in latencies:
            assert alarms[name]["extendedStatistic"] == "p99"
            assert "statistic" not in alarms[name]
            assert alarms[name]["treatMissingData"] == "ignore"
        # for everything else a gap means nothing went wrong
        for name in set(alarms) - latencies:
            assert alarms[name]["treatMissingData"] == "notBreaching", name

    return checks.that(registered(monitoring), check)


@pulumi.runtime.test
def test_api_error_alarms_are_rates_over_enough_requests(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    monitoring = _monitoring("prod", apiAlarmMinimumRequests="25")

    def check(_: object) -> None:
        for kind in ("5xx", "4xx"):
            queries = {
                query["id"]: query
                for query in _alarms(pulumi_mocks)[f"api-{kind}-rate"]["metricQueries"]
            }
            assert queries["result"]["returnData"] is True
            assert queries["result"]["expression"] == (
                "IF(requests >= 25, 100 * errors / requests, 0)"
            )
            assert queries["requests"]["metric"]["metricName"] == "Count"
            assert queries["errors"]["metric"]["metricName"] == f"{kind.upper()[0]}XXError"
            assert (
                queries["requests"]["metric"]["stat"]
                == queries["errors"]["metric"]["stat"]
                == "Sum"
            )
            assert not queries["requests"]["returnData"]
            assert not queries["errors"]["returnData"]

    return checks.that(registered(monitoring), check)


@pulumi.runtime.test
def test_table_alarms_sum_every_operation_the_pipeline_performs(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    monitoring = _monitoring()

    def check(_: object) -> None:
        for name in ("table-throttled-requests", "table-system-errors"):
            queries = _alarms(pulumi_mocks)[name]["metricQueries"]
            metrics = [query for query in queries if "metric" in query]
            (result,) = [query for query in queries if query.get("returnData")]
            operations = {query["metric"]["dimensions"]["Operation"] for query in metrics}
            assert operations == set(cw.TABLE_OPERATIONS)
            assert result["expression"] == f"SUM([{', '.join(q['id'] for q in metrics)}])"
            # CloudWatch refuses a metric math alarm reading more than ten metrics
            assert len(metrics) <= 10
            assert {query["metric"]["stat"] for query in metrics} == {"Sum"}

    return checks.that(registered(monitoring), check)


def _dashboard(mocks: RecordingMocks) -> dict[str, Any]:
    body = mocks.named("aws:cloudwatch/dashboard:Dashboard", "monitoring-dashboard").inputs
    assert body["dashboardName"] == PREFIX
    return dict(json.loads(body["dashboardBody"]))


def _metric_rows(widget: dict[str, Any]) -> list[list[Any]]:
    rows = widget["properties"].get("metrics", [])
    return [row for row in rows if isinstance(row[0], str)]


@pulumi.runtime.test
def test_dashboard_widgets_fit_the_grid_without_overlapping(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    monitoring = _monitoring()

    def check(_: object) -> None:
        widgets = _dashboard(pulumi_mocks)["widgets"]
        cells: set[tuple[int, int]] = set()
        for widget in widgets:
            assert widget["x"] >= 0
            assert widget["x"] + widget["width"] <= 24
            area = {
                (x, y)
                for x in range(widget["x"], widget["x"] + widget["width"])
                for y in range(widget["y"], widget["y"] + widget["height"])
            }
            assert not cells & area, widget["properties"]["title"]
            cells |= area

    return checks.that(registered(monitoring), check)


@pulumi.runtime.test
def test_dashboard_lists_every_alarm_and_graphs_only_watched_resources(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    monitoring = _monitoring("prod")

    def check(_: object) -> None:
        widgets = _dashboard(pulumi_mocks)["widgets"]
        (alarm_widget,) = [widget for widget in widgets if widget["type"] == "alarm"]
        assert set(alarm_widget["properties"]["alarms"]) == {
            alarm.state["arn"] for alarm in pulumi_mocks.of_type(ALARM)
        }
        watched = set(WATCHED.values()) | set(API_FUNCTIONS.values())
        watched |= {"prod", "order-processor", "order-notifier"}
        watched |= set(cw.TABLE_OPERATIONS)
        graphs = [widget for widget in widgets if widget["type"] == "metric"]
        for graph in graphs:
            assert graph["properties"]["region"] == TEST_REGION
            for row in _metric_rows(graph):
                values = row[3:-1:2]
                assert set(values) <= watched, row
        graphed = {(row[0], row[1]) for graph in graphs for row in _metric_rows(graph)}
        for required in [
            ("AWS/ApiGateway", "Count"),
            ("AWS/SQS", "NumberOfMessagesSent"),
            ("OrderPipeline", "OrdersStored"),
            ("OrderPipeline", "DuplicateOrders"),
            ("OrderPipeline", "OrdersRejected"),
            ("OrderPipeline", "OrderRetries"),
            ("OrderPipeline", "NotificationsPublished"),
            ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
            ("AWS/SQS", "ApproximateAgeOfOldestMessage"),
            ("AWS/Lambda", "Duration"),
            ("AWS/Lambda", "Errors"),
            ("AWS/ApiGateway", "Latency"),
            ("AWS/ApiGateway", "4XXError"),
            ("AWS/ApiGateway", "5XXError"),
        ]:
            assert required in graphed

    return checks.that(registered(monitoring), check)


@pulumi.runtime.test
def test_lambda_durations_show_p50_and_p99_against_the_timeout(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    monitoring = _monitoring(timeout_seconds=45)

    def check(_: object) -> None:
        widgets = _dashboard(pulumi_mocks)["widgets"]
        (durations,) = [
            widget
            for widget in widgets
            if any(row[1] == "Duration" for row in _metric_rows(widget))
        ]
        stats = {
            (row[3], row[-1]["stat"]) for row in _metric_rows(durations) if row[1] == "Duration"
        }
        functions = {WATCHED["processor_function_name"], WATCHED["notifier_function_name"]}
        for function in functions | set(API_FUNCTIONS.values()):
            assert {(function, "p50"), (function, "p99")} <= stats
        timeout = durations["properties"]["annotations"]["horizontal"]
        assert {"label": "processor timeout", "value": 45_000} in timeout

    return checks.that(registered(monitoring), check)


@pulumi.runtime.test
def test_rejections_by_reason_are_searched_with_the_exact_emf_dimensions(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    monitoring = _monitoring("prod")

    def check(_: object) -> None:
        widgets = _dashboard(pulumi_mocks)["widgets"]
        expressions = [
            row[0]["expression"]
            for widget in widgets
            if widget["type"] == "metric"
            for row in widget["properties"]["metrics"]
            if isinstance(row[0], dict)
        ]
        (search,) = [text for text in expressions if "OrdersRejected" in text]
        # Powertools' service dimension, the handlers' environment and the reason: all three
        assert "{OrderPipeline,environment,reason,service}" in search
        assert 'environment="prod"' in search
        assert 'service="order-processor"' in search
        assert search.startswith("SEARCH(")
        assert search.endswith("'Sum', 60)")

    return checks.that(registered(monitoring), check)


@pulumi.runtime.test
def test_the_component_exposes_its_alarm_topic_key_dashboard_and_alarms(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    monitoring = _monitoring()

    def check(exposed: dict[str, Any]) -> None:
        topic = pulumi_mocks.named("aws:sns/topic:Topic", "monitoring-alarm-topic").state
        key = pulumi_mocks.named("aws:kms/key:Key", "monitoring-alarm-key").state
        assert exposed["topic"] == topic["arn"]
        assert exposed["key"] == key["arn"]
        assert exposed["dashboard"] == PREFIX
        recorded = [alarm.inputs["name"] for alarm in pulumi_mocks.of_type(ALARM)]
        assert sorted(exposed["alarms"]) == sorted(recorded)
        assert all(name.startswith(f"{PREFIX}-") for name in exposed["alarms"])

    return checks.that(
        pulumi.Output.all(
            topic=monitoring.alarm_topic_arn,
            key=monitoring.alarm_key_arn,
            dashboard=monitoring.dashboard_name,
            alarms=monitoring.alarm_names,
            registered=registered(monitoring),
        ),
        check,
    )
