"""The recording mocks run stack transforms as the engine does, which Pulumi's mocks do not."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from tools.pulumi_mocks.recording import RecordingMocks

QUEUE = "aws:sqs/queue:Queue"


def _register(
    mocks: RecordingMocks, inputs: dict[str, object], custom: bool = True
) -> tuple[str, dict[str, Any]]:
    args = pulumi.runtime.MockResourceArgs(QUEUE, "q", inputs, custom=custom)
    return mocks.new_resource(args)


def test_transforms_run_in_the_order_registered_and_what_they_return_is_registered() -> None:
    mocks = RecordingMocks(region="eu-west-1")
    seen: list[tuple[bool, str, str, dict[str, object]]] = []

    def first(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult:
        seen.append((args.custom, args.type_, args.name, dict(args.props)))
        return pulumi.ResourceTransformResult({**args.props, "tags": {"a": "1"}}, args.opts)

    def untouched(args: pulumi.ResourceTransformArgs) -> None:
        seen.append((args.custom, args.type_, args.name, dict(args.props)))

    def second(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult:
        return pulumi.ResourceTransformResult({**args.props, "delaySeconds": 5}, args.opts)

    for transform in (first, untouched, second):
        mocks.register_transform(transform)
    _, state = _register(mocks, {"delaySeconds": 0})

    assert seen == [
        (True, QUEUE, "q", {"delaySeconds": 0}),
        (True, QUEUE, "q", {"delaySeconds": 0, "tags": {"a": "1"}}),
    ]
    expected = {"delaySeconds": 5, "tags": {"a": "1"}}
    assert mocks.named(QUEUE, "q").inputs == expected
    assert {key: state[key] for key in expected} == expected


def test_without_transforms_the_inputs_are_registered_as_given() -> None:
    mocks = RecordingMocks(region="eu-west-1")
    _register(mocks, {"delaySeconds": 0}, custom=False)
    assert mocks.named(QUEUE, "q").inputs == {"delaySeconds": 0}


def test_an_async_transform_is_refused_rather_than_skipped() -> None:
    mocks = RecordingMocks(region="eu-west-1")

    async def later(args: pulumi.ResourceTransformArgs) -> None:
        return None

    mocks.register_transform(later)
    with pytest.raises(TypeError, match="synchronous transforms only"):
        _register(mocks, {})
