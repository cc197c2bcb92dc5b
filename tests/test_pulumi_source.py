"""Raw config as `pulumi up` hands it over: every project key, from the CLI's environment."""

from __future__ import annotations

import json

import pulumi
import pytest

from settings.pulumi_source import aws_region, project_config
from tests.pulumi_harness import install_mocks


def test_all_project_keys_are_listed_without_prefix_and_other_namespaces_left_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    install_mocks()
    pulumi.runtime.set_all_config({})
    monkeypatch.setenv(
        "PULUMI_CONFIG",
        json.dumps(
            {
                "order-pipeline:batchSize": "20",
                "order-pipeline:batchsize": "typo kept so it can be refused",
                "aws:region": "eu-central-1",
            }
        ),
    )
    assert project_config() == {
        "batchSize": "20",
        "batchsize": "typo kept so it can be refused",
    }
    assert aws_region() == "eu-central-1"


def test_region_falls_back_to_the_aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    install_mocks()
    pulumi.runtime.set_all_config({})
    monkeypatch.delenv("PULUMI_CONFIG", raising=False)
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    assert aws_region() == "us-west-2"
