"""The architecture pictures, drawn from the program itself as Mermaid flowcharts.

Two pictures of one drawing: the full one in docs/architecture.md (every alarm with the
metric it watches) and an overview in README.md, where each component's alarms are one
node, so the landing page stays short. `python -m tools.ops.diagram` rewrites the generated
block of each file; `--check` only says whether both are current. Both show the data path
and what watches it; wiring (roles, policies, log groups, API plumbing) is left out.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.command_line import entry_point
from tools.ops.stack_graph import Reference, ResourceKey, StackGraph, is_component, load_graph
from tools.repository import REPO_ROOT

# Prod is the fuller picture (it enables everything dev may leave off).
DIAGRAM_STACK = "prod"
README = REPO_ROOT / "README.md"
ARCHITECTURE = REPO_ROOT / "docs" / "architecture.md"


@dataclass(frozen=True)
class Shown:
    kind: str
    shape: tuple[str, str]
    detail: str | None = None
    """An input worth printing under the name (a function's handler, an alarm's metric)."""


# In data-path order: declaration order steers Mermaid's layout.
SHOWN: dict[str, Shown] = {
    "aws:wafv2/webAcl:WebAcl": Shown("WAF web ACL", ("{{", "}}")),
    "aws:apigateway/restApi:RestApi": Shown("API Gateway REST API", ("([", "])")),
    "aws:sqs/queue:Queue": Shown("SQS queue", ("[/", "/]")),
    "aws:lambda/function:Function": Shown("Lambda function", ("[", "]"), "handler"),
    "aws:dynamodb/table:Table": Shown("DynamoDB table", ("[(", ")]")),
    "aws:sns/topic:Topic": Shown("SNS topic", ("{{", "}}")),
    "aws:cloudwatch/metricAlarm:MetricAlarm": Shown("alarm", (">", "]"), "metricName"),
    "aws:cloudwatch/dashboard:Dashboard": Shown("dashboard", ("[[", "]]")),
}


@dataclass(frozen=True)
class Connector:
    """A resource that exists to link two others: drawn as the edge between them."""

    source: str
    target: str
    label: str


CONNECTORS: dict[str, Connector] = {
    "aws:lambda/eventSourceMapping:EventSourceMapping": Connector(
        "eventSourceArn", "functionName", "triggers"
    ),
    "aws:lambda/permission:Permission": Connector("sourceArn", "function", "invokes"),
    "aws:wafv2/webAclAssociation:WebAclAssociation": Connector(
        "webAclArn", "resourceArn", "protects"
    ),
}

# Hidden parts drawn as the shown resource their input names: a stage is its API.
DRAWN_AS: dict[str, str] = {"aws:apigateway/stage:Stage": "restApi"}

# Alarms name what they watch; the metric flows from it into the alarm (dotted), and the
# alarm's actions flow out.
OBSERVERS = frozenset({"aws:cloudwatch/metricAlarm:MetricAlarm"})
ACTION_INPUTS = frozenset({"alarmActions", "okActions", "insufficientDataActions"})

# An observer watching no drawn resource: in the overview, counted on its own.
NO_BOX = ""

# A dashboard names every resource it charts; drawing those edges would hide the data path.
UNCONNECTED = frozenset({"aws:cloudwatch/dashboard:Dashboard"})

IDENTIFIER_SUFFIXES = ("Arn", "Url", "Name", "Id")

# Three or more resources of one kind in a box that share an edge get a box of their own,
# with that edge drawn once: a dozen alarms, one arrow to the topic they notify.
MIN_CLUSTER = 3

# Inputs whose name says little about the link they make: an API's OpenAPI body holds
# its integrations.
RELABELLED = {"body": "integration"}


@dataclass(frozen=True, order=True)
class Edge:
    source: str
    target: str
    label: str
    dotted: bool = False

    def render(self) -> str:
        arrow = "-.->" if self.dotted else "-->"
        label = f"|{self.label}|" if self.label else ""
        return f"{self.source} {arrow}{label} {self.target}"


def node_id(key: ResourceKey) -> str:
    type_, name = key
    short_type = type_.rsplit(":", 1)[-1]
    return re.sub(r"\W", "_", f"{short_type}_{name}")


def _label(path: tuple[str, ...]) -> str:
    """The input that says what the link is: `onFailure`, not `destinationArn`."""
    if len(path) > 1 and path[-1].endswith(IDENTIFIER_SUFFIXES):
        return path[-2]
    return path[-1] if path else ""


class _Drawing:
    def __init__(self, graph: StackGraph) -> None:
        self.graph = graph
        self.shown = [key for key in graph.resources if key[0] in SHOWN]

    def resolve(self, key: ResourceKey) -> ResourceKey | None:
        """The shown resource standing for `key`, if any."""
        if key[0] in SHOWN:
            return key
        owner_input = DRAWN_AS.get(key[0])
        if owner_input is None:
            return None
        for reference in self.graph.references_from(key):
            if reference.path[:1] == (owner_input,) and reference.target[0] in SHOWN:
                return reference.target
        return None

    def edges(self) -> set[Edge]:
        """One edge per pair: a connector's own label wins over the inputs that also link
        the two (an API's body and its invoke permission both name the function)."""
        chosen: dict[tuple[str, str, bool], tuple[bool, set[str]]] = {}
        for reference in self.graph.references:
            via_connector = reference.source[0] in CONNECTORS
            for edge in self._edges_for(reference):
                pair = (edge.source, edge.target, edge.dotted)
                held_via_connector, labels = chosen.get(pair, (via_connector, set()))
                if via_connector and not held_via_connector:
                    held_via_connector, labels = True, set()
                if via_connector == held_via_connector:
                    labels.add(RELABELLED.get(edge.label, edge.label))
                chosen[pair] = (held_via_connector, labels)
        return {
            Edge(source, target, ", ".join(sorted(labels - {""})), dotted)
            for (source, target, dotted), (_, labels) in chosen.items()
        }

    def _edges_for(self, reference: Reference) -> Iterable[Edge]:
        source_type = reference.source[0]
        if source_type in CONNECTORS:
            yield from self._connector_edges(reference)
            return
        if source_type in UNCONNECTED or source_type not in SHOWN:
            return
        target = self.resolve(reference.target)
        if target is None or target == reference.source:
            return
        if source_type in OBSERVERS and reference.path[0] not in ACTION_INPUTS:
            yield Edge(node_id(target), node_id(reference.source), "", dotted=True)
        else:
            yield Edge(node_id(reference.source), node_id(target), _label(reference.path))

    def _connector_edges(self, reference: Reference) -> Iterable[Edge]:
        """Source to target; any other resource a connector names hangs off its target."""
        connector = CONNECTORS[reference.source[0]]
        ends = self._ends(reference.source, connector)
        if ends is None:
            return
        source, target = ends
        if reference.path[0] == connector.target:
            yield Edge(node_id(source), node_id(target), connector.label)
        elif reference.path[0] != connector.source:
            other = self.resolve(reference.target)
            if other is not None and other not in ends:
                yield Edge(node_id(target), node_id(other), _label(reference.path))

    def _ends(
        self, key: ResourceKey, connector: Connector
    ) -> tuple[ResourceKey, ResourceKey] | None:
        found: dict[str, ResourceKey] = {}
        for reference in self.graph.references_from(key):
            resolved = self.resolve(reference.target)
            if resolved is not None and reference.path[0] in (connector.source, connector.target):
                found[reference.path[0]] = resolved
        if connector.source in found and connector.target in found:
            return found[connector.source], found[connector.target]
        return None

    def group_of(self, key: ResourceKey) -> ResourceKey | None:
        """The owning component drawn as a box: a top-level one, or a nested one holding
        two shown resources (a function's own component would only box one node)."""
        parent = self.graph.parents.get(key)
        while parent is not None and self.graph.parents.get(parent) is not None:
            if len(self._shown_under(parent)) >= 2:
                return parent
            parent = self.graph.parents.get(parent)
        return parent

    def _shown_under(self, component: ResourceKey) -> list[ResourceKey]:
        found: list[ResourceKey] = []
        for child in self.graph.children(component):
            if child[0] in SHOWN:
                found.append(child)
            elif is_component(child[0]):
                found.extend(self._shown_under(child))
        return found


def _rank(key: ResourceKey) -> tuple[int, str]:
    return (list(SHOWN).index(key[0]), key[1])


@dataclass(frozen=True)
class Node:
    """One shape of the picture: a resource, or (in the overview) the alarms on a component."""

    id: str
    type: str
    """The resource type it stands for: its shape, and the kind it is clustered with."""
    lines: tuple[str, ...]
    rank: tuple[int, str]
    """Declaration order, which steers Mermaid's layout: data-path order, then name."""

    def render(self) -> str:
        opening, closing = SHOWN[self.type].shape
        return f'{self.id}{opening}"{"<br/>".join(self.lines)}"{closing}'


@dataclass(frozen=True)
class Picture:
    """What is drawn: the nodes under each component box (None: no box) and the edges."""

    groups: dict[ResourceKey | None, list[Node]]
    edges: frozenset[Edge]


def _resource_node(graph: StackGraph, key: ResourceKey) -> Node:
    shown = SHOWN[key[0]]
    lines = [key[1], shown.kind]
    detail: Any = graph.resources[key].inputs.get(shown.detail) if shown.detail else None
    if detail:
        lines.append(str(detail))
    return Node(node_id(key), key[0], tuple(lines), _rank(key))


def _group_title(key: ResourceKey) -> str:
    return f"{key[0].rsplit(':', 1)[-1]}: {key[1]}"


def picture(graph: StackGraph) -> Picture:
    """Every shown resource of the stack, boxed by component, and the edges between them."""
    drawing = _Drawing(graph)
    groups: dict[ResourceKey | None, list[Node]] = {}
    for key in sorted(drawing.shown, key=_rank):
        groups.setdefault(drawing.group_of(key), []).append(_resource_node(graph, key))
    return Picture(groups, frozenset(drawing.edges()))


def _ordered_groups(groups: dict[ResourceKey | None, list[Node]]) -> list[ResourceKey | None]:
    return sorted(groups, key=lambda group: min(node.rank for node in groups[group]))


@dataclass(frozen=True)
class _Boxes:
    """Where a picture's nodes sit: each one's box (itself when unboxed), titled, in order."""

    of: dict[str, str]
    titles: dict[str, str]
    order: dict[str, int]

    @classmethod
    def of_picture(cls, drawn: Picture) -> _Boxes:
        of: dict[str, str] = {}
        titles: dict[str, str] = {}
        for group in _ordered_groups(drawn.groups):
            for node in drawn.groups[group]:
                box = node.id if group is None else node_id(group)
                of[node.id] = box
                titles[box] = node.lines[0] if group is None else _group_title(group)
        return cls(of, titles, {box: place for place, box in enumerate(dict.fromkeys(of.values()))})


def observers_per_component(full: Picture) -> Picture:
    """`full` with the observers (alarms) on each box replaced by one node counting them.

    An alarm counts once for each box holding a resource it watches (a resource outside any
    box stands for itself); the count takes over the dotted edge, drawn from the box, and
    the alarms' own edges (their actions). Counts follow the boxes' data-path order.
    """
    boxes = _Boxes.of_picture(full)
    observers = {
        node.id: (group, node)
        for group, nodes in full.groups.items()
        for node in nodes
        if node.type in OBSERVERS
    }
    counted: dict[tuple[str, str], list[str]] = {}
    for observer_id, (_, observer) in observers.items():
        watched = {
            boxes.of.get(edge.source, edge.source)
            for edge in full.edges
            if edge.dotted and edge.target == observer_id
        }
        for box in sorted(watched) or [NO_BOX]:
            counted.setdefault((observer.type, box), []).append(observer_id)

    groups = {
        group: [node for node in nodes if node.id not in observers]
        for group, nodes in full.groups.items()
    }
    edges = {edge for edge in full.edges if not {edge.source, edge.target} & observers.keys()}
    for (type_, box), members in counted.items():
        count = _count_node(type_, box, len(members), boxes)
        groups.setdefault(observers[members[0]][0], []).append(count)
        if box != NO_BOX:
            edges.add(Edge(box, count.id, "", dotted=True))
        edges.update(
            Edge(count.id, edge.target, edge.label, edge.dotted)
            for edge in full.edges
            if edge.source in members and edge.target not in observers
        )
    return Picture(
        {
            group: sorted(nodes, key=lambda node: node.rank)
            for group, nodes in groups.items()
            if nodes
        },
        frozenset(edges),
    )


def _count_node(type_: str, box: str, count: int, boxes: _Boxes) -> Node:
    """`count` observers of type `type_` on `box`, ranked where `box` is in the data path."""
    label = f"{count} {SHOWN[type_].kind}{'' if count == 1 else 's'}"
    plural = f"{type_.rsplit(':', 1)[-1]}s"
    if box == NO_BOX:
        rank = (list(SHOWN).index(type_), f"{len(boxes.order):04d}")
        return Node(f"{plural}_on_nothing", type_, (label,), rank)
    rank = (list(SHOWN).index(type_), f"{boxes.order[box]:04d}")
    return Node(f"{plural}_on_{box}", type_, (boxes.titles[box], label), rank)


def _shared_edges(edges: set[Edge], members: list[str]) -> set[tuple[str, str, bool]]:
    """The edges (target, label, style) every one of `members` has to outside them."""
    outward = [
        {
            (edge.target, edge.label, edge.dotted)
            for edge in edges
            if edge.source == member and edge.target not in members
        }
        for member in members
    ]
    return set.intersection(*outward) if outward else set()


def _draw_once(edges: set[Edge], members: list[str], box: str) -> tuple[set[Edge], bool]:
    """Edges all `members` share, drawn once from `box`; whether there were any."""
    shared = _shared_edges(edges, members)
    if len(members) < 2 or not shared:
        return edges, False
    redrawn = {
        edge
        for edge in edges
        if not (edge.source in members and (edge.target, edge.label, edge.dotted) in shared)
    }
    return redrawn | {Edge(box, *edge) for edge in shared}, True


def render(drawn: Picture) -> str:
    """The Mermaid flowchart of `drawn`: a subgraph per component, and within one, three or
    more nodes of a kind that share an edge boxed together with that edge drawn once."""
    edges = set(drawn.edges)
    lines = ["flowchart LR"]
    for group in _ordered_groups(drawn.groups):
        nodes = drawn.groups[group]
        if group is None:
            lines.extend(f"    {node.render()}" for node in nodes)
            continue
        box = node_id(group)
        edges, _ = _draw_once(edges, [node.id for node in nodes], box)
        lines.append(f'    subgraph {box}["{_group_title(group)}"]')
        for type_ in dict.fromkeys(node.type for node in nodes):
            kind = [node for node in nodes if node.type == type_]
            cluster = f"{box}_{type_.rsplit(':', 1)[-1]}s"
            clustered = False
            if len(kind) >= MIN_CLUSTER:
                edges, clustered = _draw_once(edges, [node.id for node in kind], cluster)
            indent = "            " if clustered else "        "
            if clustered:
                lines.append(f'        subgraph {cluster}["{SHOWN[type_].kind}s"]')
            lines.extend(f"{indent}{node.render()}" for node in kind)
            if clustered:
                lines.append("        end")
        lines.append("    end")
    lines.extend(f"    {edge.render()}" for edge in sorted(edges))
    return "\n".join(lines) + "\n"


def mermaid(graph: StackGraph) -> str:
    """The full picture: every shown resource, every alarm."""
    return render(picture(graph))


def overview(graph: StackGraph) -> str:
    """The picture for the README: the same, with each component's alarms as one node."""
    return render(observers_per_component(picture(graph)))


@dataclass(frozen=True)
class Target:
    """A file with a generated block: which picture goes between which markers."""

    path: Path
    marker: str
    draw: Callable[[StackGraph], str]

    @property
    def begin(self) -> str:
        return f"<!-- {self.marker}:begin (generated by `make diagram`; do not edit) -->"

    @property
    def end(self) -> str:
        return f"<!-- {self.marker}:end -->"

    @property
    def shown_path(self) -> str:
        return self.path.relative_to(REPO_ROOT).as_posix()


TARGETS = (
    Target(README, "architecture-overview", overview),
    Target(ARCHITECTURE, "architecture-diagram", mermaid),
)


def with_diagram(text: str, diagram: str, target: Target) -> str:
    """`text` with the block between `target`'s markers replaced by `diagram`."""
    begin, end = text.find(target.begin), text.find(target.end)
    if begin < 0 or end < begin:
        raise ValueError(
            f"{target.shown_path} lacks the markers {target.begin!r} ... {target.end!r}"
        )
    block = f"{target.begin}\n```mermaid\n{diagram}```\n"
    return text[:begin] + block + text[end:]


def updated_texts(graph: StackGraph) -> dict[Target, tuple[str, str]]:
    """Each target's current text and the text it should have."""
    texts = {}
    for target in TARGETS:
        text = target.path.read_text(encoding="utf-8")
        texts[target] = (text, with_diagram(text, target.draw(graph), target))
    return texts


@entry_point("diagram")
def main(argv: list[str] | None = None) -> int:
    """Invalid config of the diagram's stack is one line on stderr and exit 2."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.ops.diagram", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--check", action="store_true", help="fail if a generated diagram is out of date"
    )
    args = parser.parse_args(argv)
    stale = []
    for target, (text, updated) in updated_texts(load_graph(DIAGRAM_STACK)).items():
        if updated == text:
            print(f"{target.shown_path}: {target.marker} of the {DIAGRAM_STACK} stack is current")
        elif args.check:
            stale.append(target.shown_path)
        else:
            target.path.write_text(updated, encoding="utf-8")
            print(f"{target.shown_path}: {target.marker} of the {DIAGRAM_STACK} stack redrawn")
    if stale:
        print(f"out of date: {', '.join(stale)}: run `make diagram`")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
