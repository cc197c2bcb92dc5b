"""The CrossGuard pack in `tools/policy/`, run offline on the program's own recorded resources:
both stacks comply, and every rule refuses a mutated copy with its own message."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest
import yaml
from order_pipeline_policy import PACK_NAME, POLICIES
from pulumi_policy import EnforcementLevel

from tests.tools.fidelity import mutations as m
from tests.tools.fidelity.crossguard import Violation, resource_name, run_policies
from tools.fidelity.recorded_stack import Stack
from tools.repository import REPO_ROOT

PACK_DIR = REPO_ROOT / "tools" / "policy"


def test_both_stacks_comply_with_every_policy(stack: Stack) -> None:
    assert run_policies(stack) == []


def test_the_pack_entry_point_enforces_every_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    """What `pulumi preview --policy-pack tools/policy` runs: the directory's __main__.py."""
    packs: list[dict[str, Any]] = []
    monkeypatch.setattr("pulumi_policy.PolicyPack", lambda **pack: packs.append(pack))
    runpy.run_path(str(PACK_DIR), run_name="__main__")
    assert packs == [
        {"name": PACK_NAME, "enforcement_level": EnforcementLevel.MANDATORY, "policies": POLICIES}
    ]


def _pins(path: Path) -> dict[str, str]:
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return dict(line.split("==") for line in lines if "==" in line)


def test_the_pack_runs_on_the_project_pins_of_pulumi_pulumi_aws_and_pulumi_policy() -> None:
    """The pack has its own virtualenv; its pins must not drift from what the tests ran
    (pulumi-aws included: it tells the pack which types take tags)."""
    pack = _pins(PACK_DIR / "requirements.txt")
    project = _pins(REPO_ROOT / "requirements.txt") | _pins(REPO_ROOT / "requirements-dev.txt")
    assert set(pack) == {"pulumi", "pulumi-aws", "pulumi-policy"}
    assert pack == {name: project[name] for name in pack}
    manifest = yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"


def _without_tls_condition(policy: dict[str, Any]) -> None:
    for statement in policy["Statement"]:
        statement.pop("Condition", None)


def _allow_everything_on_the_queue(policy: dict[str, Any]) -> None:
    policy["Statement"].append(
        {"Effect": "Allow", "Action": "sqs:*", "Resource": "arn:aws:sqs:eu-west-1:1:q"}
    )


def _topic_policy(stack: Stack) -> Any:
    return m.first(stack, "aws:sns/topicPolicy:TopicPolicy", lambda _: True)


CASES = [
    pytest.param(
        m.change(m.TABLE, m.ORDER_TABLE, pointInTimeRecovery={"enabled": False}),
        Violation(
            "dynamodb-table-recovery-and-encryption",
            m.ORDER_TABLE,
            "DynamoDB table must enable point-in-time recovery.",
        ),
        id="table-recovery",
    ),
    pytest.param(
        m.change(m.TABLE, m.ORDER_TABLE, serverSideEncryption=None),
        Violation(
            "dynamodb-table-recovery-and-encryption",
            m.ORDER_TABLE,
            "DynamoDB table must enable server-side encryption with a KMS key.",
        ),
        id="table-encryption",
    ),
    pytest.param(
        m.change(m.FUNCTION, m.PROCESSOR, tracingConfig={"mode": "PassThrough"}),
        Violation(
            "lambda-function-tracing",
            m.PROCESSOR,
            "Lambda function must have active X-Ray tracing (tracingConfig.mode Active).",
        ),
        id="function-tracing",
    ),
    pytest.param(
        m.edit_json(m.ROLE_POLICY, m.PROCESSOR_POLICY, "policy", _allow_everything_on_the_queue),
        Violation(
            "iam-no-wildcard-actions",
            m.PROCESSOR_POLICY,
            "IAM policy allows wildcard action 'sqs:*'; name exact actions.",
        ),
        id="wildcard-action",
    ),
    pytest.param(
        m.change(m.QUEUE, m.DEAD_LETTER_QUEUE, sqsManagedSseEnabled=None),
        Violation(
            "sqs-queue-encrypted",
            m.DEAD_LETTER_QUEUE,
            "SQS queue must be encrypted at rest (sqsManagedSseEnabled or kmsMasterKeyId).",
        ),
        id="queue-encryption",
    ),
    pytest.param(
        m.change(m.TOPIC, lambda s: m.only(s, m.TOPIC), kmsMasterKeyId=None),
        Violation(
            "sns-topic-encrypted",
            "*",
            "SNS topic must be encrypted at rest with a KMS key (kmsMasterKeyId).",
        ),
        id="topic-encryption",
    ),
    pytest.param(
        m.change(m.STAGE, lambda s: m.only(s, m.STAGE), xrayTracingEnabled=None),
        Violation(
            "apigateway-stage-logs-and-tracing",
            "*",
            "API stage must have X-Ray tracing enabled (xrayTracingEnabled).",
        ),
        id="stage-tracing",
    ),
    pytest.param(
        m.change(m.STAGE, lambda s: m.only(s, m.STAGE), accessLogSettings=None, tags=None),
        Violation(
            "apigateway-stage-logs-and-tracing",
            "*",
            "API stage must write access logs (accessLogSettings destination and format)"
            " or say why not in its 'accessLogs' tag.",
        ),
        id="stage-access-logs",
    ),
    pytest.param(
        m.drop(m.METHOD_SETTINGS, lambda s: m.only(s, m.METHOD_SETTINGS)),
        Violation(
            "apigateway-stage-throttling",
            "*",
            "is not throttled: add MethodSettings for */* with throttlingRateLimit and "
            "throttlingBurstLimit.",
        ),
        id="stage-throttling",
    ),
    pytest.param(
        m.drop("aws:sqs/queuePolicy:QueuePolicy", "orders-queue-policy"),
        Violation(
            "sqs-sns-tls-only",
            m.MAIN_QUEUE,
            "SQS queue 'orders-queue' accepts plain HTTP: its policy must deny "
            "aws:SecureTransport false to every principal.",
        ),
        id="queue-tls",
    ),
    pytest.param(
        m.edit_json(
            "aws:sns/topicPolicy:TopicPolicy", _topic_policy, "policy", _without_tls_condition
        ),
        Violation("sqs-sns-tls-only", "*", "accepts plain HTTP"),
        id="topic-tls",
    ),
    pytest.param(
        m.change(m.LOG_GROUP, m.PROCESSOR_LOGS, retentionInDays=None),
        Violation(
            "lambda-function-log-retention",
            m.PROCESSOR,
            "Lambda function 'orders-processor-function' logs to 'orders-processor-logs', "
            "which keeps logs forever: set retentionInDays.",
        ),
        id="function-log-retention",
    ),
    pytest.param(
        m.change(m.FUNCTION, m.PROCESSOR, loggingConfig={"logFormat": "JSON"}),
        Violation(
            "lambda-function-log-retention",
            m.PROCESSOR,
            "logs to a log group the stack does not manage",
        ),
        id="function-default-log-group",
    ),
    pytest.param(
        m.change(m.QUEUE, m.MAIN_QUEUE, tags=None),
        Violation(
            "aws-required-tags",
            m.MAIN_QUEUE,
            "Taggable resource lacks the tags project, stack, environment: every taggable "
            "resource says which project, stack, environment it belongs to.",
        ),
        id="untagged-queue",
    ),
    pytest.param(
        m.change(
            m.TABLE,
            m.ORDER_TABLE,
            tags={"project": "order-pipeline", "stack": "prod", "environment": "prod"},
        ),
        Violation(
            "aws-required-tags",
            m.ORDER_TABLE,
            "Tag stack is 'prod', but the resource belongs to 'dev'.",
        ),
        id="table-tagged-for-another-stack",
    ),
    pytest.param(
        m.change(m.LOG_GROUP, m.PROCESSOR_LOGS, retentionInDays=None),
        Violation(
            "cloudwatch-log-group-retention",
            m.PROCESSOR_LOGS,
            "Log group must expire its events (retentionInDays).",
        ),
        id="log-group-retention",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), CASES)
def test_each_policy_refuses_what_it_forbids(
    dev: Stack, mutate: m.Mutation, expected: Violation
) -> None:
    found = [v for v in run_policies(mutate(dev)) if v.policy == expected.policy]
    assert found, f"{expected.policy} reported nothing"
    assert all(expected.message in v.message for v in found), found
    if expected.resource != "*":
        assert {resource_name(v) for v in found} == {expected.resource}


def test_a_queue_without_redrive_is_refused_and_its_dlq_loses_its_exemption(dev: Stack) -> None:
    mutated = m.change(m.QUEUE, m.MAIN_QUEUE, redrivePolicy=None)(dev)
    found = [v for v in run_policies(mutated) if v.policy == "sqs-queue-dead-letter-queue"]
    assert {resource_name(v): v.message for v in found} == {
        name: f"SQS queue '{name}' has no dead-letter queue: give it a redrivePolicy "
        "(only dead-letter and on-failure queues may go without)."
        for name in (m.MAIN_QUEUE, m.DEAD_LETTER_QUEUE)
    }


def test_an_on_failure_queue_needs_no_dead_letter_queue_of_its_own(dev: Stack) -> None:
    """The notifier's failure queue is exempt because a mapping sends failures to it."""
    mapping = m.stream_mapping(dev)
    failure_queue = dev.resolve_as(
        mapping.inputs["destinationConfig"]["onFailure"]["destinationArn"], m.QUEUE
    )
    assert failure_queue is not None
    assert failure_queue.inputs.get("redrivePolicy") is None
    mutated = m.change(m.MAPPING, mapping.name, destinationConfig=None)(dev)
    found = [v for v in run_policies(mutated) if v.policy == "sqs-queue-dead-letter-queue"]
    assert [resource_name(v) for v in found] == [failure_queue.name]


def test_in_a_preview_the_dead_letter_queue_is_known_by_dependency(dev: Stack) -> None:
    """Before the DLQ exists its ARN is unknown, and so is every policy naming it; the
    engine still knows what each property was computed from."""
    unknown = {m.MAIN_QUEUE: {"redrivePolicy"}, m.DEAD_LETTER_QUEUE: {"arn", "url", "id"}}
    found = run_policies(dev, unknown=unknown)
    assert [v for v in found if v.policy == "sqs-queue-dead-letter-queue"] == []
