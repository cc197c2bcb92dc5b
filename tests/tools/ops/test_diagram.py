"""The architecture diagrams: drawn from the program, current in the README (the overview)
and in docs/architecture.md (in full), readable."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.stack_graphs import stack_graph
from tests.tools.entry_points import REFUSED_CONFIG, REFUSED_KEY, the_one_line, with_stacks
from tools.ops import diagram
from tools.ops.diagram import TARGETS, Target, mermaid, node_id, overview, with_diagram
from tools.ops.stack_graph import ResourceKey, StackGraph, build_graph, load_graph
from tools.pulumi_mocks.recording import RecordedResource

QUEUE = "aws:sqs/queue:Queue"
FUNCTION = "aws:lambda/function:Function"
TABLE = "aws:dynamodb/table:Table"
TOPIC = "aws:sns/topic:Topic"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ROLE = "aws:iam/role:Role"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
REST_API = "aws:apigateway/restApi:RestApi"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
ORDER_QUEUE = "order-pipeline:messaging:OrderQueue"
HANDLER_FUNCTION = "order-pipeline:lambda:HandlerFunction"
ORDER_STORE = "order-pipeline:storage:OrderStore"
MONITORING = "order-pipeline:observability:Monitoring"


@pytest.fixture
def prod_graph() -> StackGraph:
    return stack_graph(diagram.DIAGRAM_STACK)


def _physical(name: str) -> str:
    return f"{name}-1a2b3c4"


def _arn(name: str) -> str:
    return f"arn:aws:test:eu-west-1:123456789012:{_physical(name)}"


def _resource(type_: str, name: str, **inputs: Any) -> RecordedResource:
    return RecordedResource(
        type_, name, inputs, {**inputs, "name": _physical(name), "arn": _arn(name)}
    )


def _graph(
    resources: list[RecordedResource], parents: dict[ResourceKey, ResourceKey] | None = None
) -> StackGraph:
    return build_graph("test", resources, parents or {}, {})


def _declared_ids(text: str) -> set[str]:
    nodes = re.findall(r"^\s+(\w+)[\[(>{]", text, flags=re.MULTILINE)
    groups = re.findall(r"^\s+subgraph (\w+)\[", text, flags=re.MULTILINE)
    return set(nodes) | set(groups)


def _edges(text: str) -> set[tuple[str, str, str]]:
    return {
        (source, arrow + (label or ""), target)
        for source, arrow, label, target in re.findall(
            r"^\s+(\w+) (-->|-\.->)(\|[^|]*\|)? (\w+)$", text, flags=re.MULTILINE
        )
    }


@pytest.mark.parametrize("target", TARGETS, ids=lambda target: target.shown_path)
def test_each_generated_diagram_matches_the_program(target: Target) -> None:
    text = target.path.read_text(encoding="utf-8")

    assert with_diagram(text, target.draw(stack_graph(diagram.DIAGRAM_STACK)), target) == text, (
        f"{target.shown_path}'s {target.marker} no longer matches the program: run `make diagram`"
    )


def test_the_readme_has_the_overview_and_the_architecture_page_the_full_picture() -> None:
    assert [(target.shown_path, target.draw) for target in TARGETS] == [
        ("README.md", overview),
        ("docs/architecture.md", mermaid),
    ]
    assert len({target.begin for target in TARGETS}) == len(TARGETS)


def test_children_are_grouped_under_the_component_that_creates_them(
    prod_graph: StackGraph,
) -> None:
    parents = prod_graph.parents

    assert parents[(QUEUE, "orders-dlq")] == (ORDER_QUEUE, "orders")
    assert parents[(TABLE, "orders-table")] == (ORDER_STORE, "orders")
    assert parents[(FUNCTION, "orders-processor-function")] == (
        HANDLER_FUNCTION,
        "orders-processor",
    )
    assert parents[(HANDLER_FUNCTION, "orders-processor")] == (ORDER_QUEUE, "orders")
    assert parents[(ORDER_QUEUE, "orders")] is None


def test_every_data_path_resource_of_the_program_is_drawn(prod_graph: StackGraph) -> None:
    text = mermaid(prod_graph)

    drawn = _declared_ids(text)
    for resource in prod_graph.resources.values():
        if resource.type in diagram.SHOWN:
            assert node_id((resource.type, resource.name)) in drawn
    assert "Role_" not in text
    assert "RolePolicy_" not in text
    assert "LogGroup_" not in text


def test_the_processor_path_is_connected(prod_graph: StackGraph) -> None:
    edges = _edges(mermaid(prod_graph))

    queue = node_id((QUEUE, "orders-queue"))
    dlq = node_id((QUEUE, "orders-dlq"))
    processor = node_id((FUNCTION, "orders-processor-function"))
    table = node_id((TABLE, "orders-table"))
    assert (queue, "-->|triggers|", processor) in edges
    assert (queue, "-->|redrivePolicy|", dlq) in edges
    assert (processor, "-->|ORDERS_TABLE_NAME|", table) in edges
    assert (processor, "-->|DEAD_LETTER_QUEUE_URL|", dlq) in edges


def test_the_api_stream_notifier_and_alarm_paths_are_connected(prod_graph: StackGraph) -> None:
    edges = _edges(mermaid(prod_graph))

    api = node_id((REST_API, "orders-api"))
    notifier = node_id((FUNCTION, "orders-notifier-function"))
    alarms_box = f"{node_id((MONITORING, 'orders'))}_MetricAlarms"
    assert (node_id((WEB_ACL, "orders-waf")), "-->|protects|", api) in edges
    assert (api, "-->|integration|", node_id((QUEUE, "orders-queue"))) in edges
    assert (api, "-->|invokes|", node_id((FUNCTION, "orders-reader-function"))) in edges
    assert (node_id((TABLE, "orders-table")), "-->|triggers|", notifier) in edges
    assert (notifier, "-->|ORDER_EVENTS_TOPIC_ARN|", node_id((TOPIC, "orders-topic"))) in edges
    assert (notifier, "-->|onFailure|", node_id((QUEUE, "orders-failures"))) in edges
    assert (node_id((QUEUE, "orders-dlq")), "-.->",
            node_id((ALARM, "orders-dead-letter-queue-not-empty"))) in edges  # fmt: skip
    assert (alarms_box, "-->|alarmActions, okActions|",
            node_id((TOPIC, "orders-alarm-topic"))) in edges  # fmt: skip


def test_every_edge_joins_declared_nodes_and_ids_are_unique(prod_graph: StackGraph) -> None:
    text = mermaid(prod_graph)

    declared = re.findall(r"^\s+(?:subgraph )?(\w+)[\[(>{/]", text, flags=re.MULTILINE)
    assert len(declared) == len(set(declared))
    for source, _, target in _edges(text):
        assert {source, target} <= set(declared)
    assert text == mermaid(load_graph(diagram.DIAGRAM_STACK)), "the drawing must be stable"


def test_a_connector_becomes_the_edge_and_its_other_targets_hang_off_its_target() -> None:
    stream = _resource(TABLE, "orders-table")
    notifier = _resource(FUNCTION, "notifier")
    failures = _resource(QUEUE, "failures")
    trigger = _resource(
        MAPPING,
        "notifier-trigger",
        eventSourceArn=f"{_arn('orders-table')}/stream/2026",
        functionName=_arn("notifier"),
        destinationConfig={"onFailure": {"destinationArn": _arn("failures")}},
    )

    edges = _edges(mermaid(_graph([stream, notifier, failures, trigger])))

    assert edges == {
        (node_id((TABLE, "orders-table")), "-->|triggers|", node_id((FUNCTION, "notifier"))),
        (node_id((FUNCTION, "notifier")), "-->|onFailure|", node_id((QUEUE, "failures"))),
    }


def test_alarms_watch_with_dotted_edges_and_a_shared_action_is_drawn_once() -> None:
    monitoring = (MONITORING, "orders")
    queue = _resource(QUEUE, "orders-queue")
    function = _resource(FUNCTION, "orders-processor", handler="handlers.processor.handler")
    topic = _resource(TOPIC, "alarms")
    age = _resource(
        ALARM,
        "queue-age",
        metricName="ApproximateAgeOfOldestMessage",
        dimensions={"QueueName": _physical("orders-queue")},
        alarmActions=[_arn("alarms")],
    )
    errors = _resource(
        ALARM,
        "processor-errors",
        metricName="Errors",
        dimensions={"FunctionName": _physical("orders-processor")},
        alarmActions=[_arn("alarms")],
    )
    component = RecordedResource(MONITORING, "orders", {}, {})
    parents = {(ALARM, "queue-age"): monitoring, (ALARM, "processor-errors"): monitoring}

    text = mermaid(_graph([component, queue, function, topic, age, errors], parents))

    assert _edges(text) == {
        (node_id((QUEUE, "orders-queue")), "-.->", node_id((ALARM, "queue-age"))),
        (node_id((FUNCTION, "orders-processor")), "-.->", node_id((ALARM, "processor-errors"))),
        (node_id(monitoring), "-->|alarmActions|", node_id((TOPIC, "alarms"))),
    }
    assert f'subgraph {node_id(monitoring)}["Monitoring: orders"]' in text
    assert "processor-errors<br/>alarm<br/>Errors" in text
    assert "orders-processor<br/>Lambda function<br/>handlers.processor.handler" in text


def test_three_alarms_sharing_an_action_get_their_own_box_and_one_edge() -> None:
    monitoring = (MONITORING, "orders")
    topic = _resource(TOPIC, "alarms")
    names = ("first", "second", "third")
    alarms = [_resource(ALARM, name, alarmActions=[_arn("alarms")]) for name in names]
    component = RecordedResource(MONITORING, "orders", {}, {})
    parents = {(resource.type, resource.name): monitoring for resource in [topic, *alarms]}

    text = mermaid(_graph([component, topic, *alarms], parents))

    box = f"{node_id(monitoring)}_MetricAlarms"
    assert f'subgraph {box}["alarms"]' in text
    assert _edges(text) == {(box, "-->|alarmActions|", node_id((TOPIC, "alarms")))}


def test_wiring_resources_are_left_out_and_their_references_dropped() -> None:
    function = _resource(FUNCTION, "processor", role=_arn("processor-role"))
    role = _resource(ROLE, "processor-role")
    dashboard = _resource(
        "aws:cloudwatch/dashboard:Dashboard", "orders", dashboardBody=f'["{_arn("processor")}"]'
    )

    text = mermaid(_graph([function, role, dashboard]))

    assert node_id((ROLE, "processor-role")) not in text
    assert _edges(text) == set()
    assert node_id(("aws:cloudwatch/dashboard:Dashboard", "orders")) in text


def test_the_overview_counts_each_components_alarms_in_one_node(prod_graph: StackGraph) -> None:
    full, short = mermaid(prod_graph), overview(prod_graph)

    alarms = [key for key in prod_graph.resources if key[0] == ALARM]
    counts = re.findall(r'>"([^"<]+)<br/>(\d+) alarms?"\]', short)
    assert "MetricAlarm_" not in short
    assert sum(int(count) for _, count in counts) == len(alarms)
    assert dict(counts) == {
        "OrderApi: orders": "3",
        "OrderQueue: orders": "5",
        "Notifier: orders": "4",
        "OrderStore: orders": "2",
    }
    assert len(short.splitlines()) < len(full.splitlines())


def test_the_overview_keeps_the_data_path_and_draws_the_alarms_from_their_components(
    prod_graph: StackGraph,
) -> None:
    short = overview(prod_graph)
    edges = _edges(short)

    drawn = _declared_ids(short)
    for resource in prod_graph.resources.values():
        if resource.type in diagram.SHOWN and resource.type != ALARM:
            assert node_id((resource.type, resource.name)) in drawn
    full_data_path = {
        edge for edge in _edges(mermaid(prod_graph)) if "MetricAlarm" not in str(edge)
    }
    assert full_data_path <= edges
    queue_box = node_id((ORDER_QUEUE, "orders"))
    alarms_box = f"{node_id((MONITORING, 'orders'))}_MetricAlarms"
    assert (queue_box, "-.->", f"MetricAlarms_on_{queue_box}") in edges
    assert (alarms_box, "-->|alarmActions, okActions|",
            node_id((TOPIC, "orders-alarm-topic"))) in edges  # fmt: skip
    assert short == overview(load_graph(diagram.DIAGRAM_STACK)), "the drawing must be stable"


def test_an_alarm_counts_on_every_box_it_watches_and_an_unwatched_one_on_its_own() -> None:
    monitoring = (MONITORING, "orders")
    queue_component = (ORDER_QUEUE, "orders")
    store_component = (ORDER_STORE, "orders")
    queue = _resource(QUEUE, "orders-queue")
    table = _resource(TABLE, "orders-table")
    topic = _resource(TOPIC, "alarms")
    both = _resource(
        ALARM,
        "both",
        dimensions={"QueueName": _physical("orders-queue"), "TableName": _physical("orders-table")},
        alarmActions=[_arn("alarms")],
    )
    queue_only = _resource(ALARM, "queue-only", dimensions={"QueueName": _physical("orders-queue")})
    unwatched = _resource(ALARM, "unwatched", alarmActions=[_arn("alarms")])
    components = [RecordedResource(type_, "orders", {}, {})
                  for type_ in (MONITORING, ORDER_QUEUE, ORDER_STORE)]  # fmt: skip
    parents = {
        (QUEUE, "orders-queue"): queue_component,
        (TABLE, "orders-table"): store_component,
        (TOPIC, "alarms"): monitoring,
        **{(ALARM, name): monitoring for name in ("both", "queue-only", "unwatched")},
    }

    text = overview(
        _graph([*components, queue, table, topic, both, queue_only, unwatched], parents)
    )

    queue_box, store_box = node_id(queue_component), node_id(store_component)
    assert f'MetricAlarms_on_{queue_box}>"OrderQueue: orders<br/>2 alarms"]' in text
    assert f'MetricAlarms_on_{store_box}>"OrderStore: orders<br/>1 alarm"]' in text
    assert 'MetricAlarms_on_nothing>"1 alarm"]' in text
    assert _edges(text) == {
        (queue_box, "-.->", f"MetricAlarms_on_{queue_box}"),
        (store_box, "-.->", f"MetricAlarms_on_{store_box}"),
        # All three counts notify the topic: drawn once, from their box.
        (f"{node_id(monitoring)}_MetricAlarms", "-->|alarmActions|", node_id((TOPIC, "alarms"))),
    }


def test_a_file_without_markers_is_refused() -> None:
    with pytest.raises(ValueError, match=r"README\.md lacks the markers"):
        with_diagram("# order-pipeline\n", "flowchart LR\n", TARGETS[0])


def test_only_the_targets_marked_block_is_rewritten() -> None:
    readme, architecture = TARGETS
    text = (
        f"before\n{readme.begin}\nold\n{readme.end}\nbetween\n"
        f"{architecture.begin}\nkept\n{architecture.end}\nafter\n"
    )

    updated = with_diagram(text, "flowchart LR\n    a --> b\n", readme)

    assert updated == (
        f"before\n{readme.begin}\n```mermaid\nflowchart LR\n    a --> b\n```\n"
        f"{readme.end}\nbetween\n{architecture.begin}\nkept\n{architecture.end}\nafter\n"
    )


def test_make_diagram_rewrites_a_stale_file_and_check_reports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    targets = tuple(
        Target(tmp_path / target.path.name, target.marker, target.draw) for target in TARGETS
    )
    for target in targets:
        target.path.write_text(f"# x\n{target.begin}\nstale\n{target.end}\n", encoding="utf-8")
    monkeypatch.setattr(diagram, "TARGETS", targets)
    monkeypatch.setattr(diagram, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(diagram, "load_graph", stack_graph)

    assert diagram.main(["--check"]) == 1
    assert "out of date: README.md, architecture.md" in capsys.readouterr().out
    assert diagram.main([]) == 0
    assert diagram.main(["--check"]) == 0
    assert "flowchart LR" in targets[1].path.read_text(encoding="utf-8")


def test_config_of_the_diagrams_stack_that_is_refused_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with_stacks(tmp_path, monkeypatch, **{diagram.DIAGRAM_STACK: REFUSED_CONFIG})

    assert diagram.main(["--check"]) == 2
    assert REFUSED_KEY in the_one_line(capsys.readouterr().err, "diagram")
