"""`make synth STACK=dev|prod`: a stack's resource inventory, offline, made to be diffed.

One block per provider resource, sorted by type and name: its physical name and every
input as `path = value`. Policy documents are opened statement by statement; other large
JSON documents (the OpenAPI body, the dashboard) are summarised with a digest, so a change
shows as one line. The stack's tags, which every taggable resource carries, are listed once
under the heading. `--diff dev prod` prints the unified diff of two inventories.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

import pulumi

from tools.command_line import entry_point
from tools.fidelity.recorded_stack import Stack, json_document, load_stack
from tools.pulumi_mocks.recording import RecordedResource

# JSON documents up to this size are opened like any other input.
OPENED_DOCUMENT_CHARS = 1_000
STACK_TAGS = "<the stack's tags>"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _summary(text: str, document: Any) -> str:
    if isinstance(document, dict) and "openapi" in document:
        routes = sorted(
            f"{method.upper()} {path}"
            for path, item in document.get("paths", {}).items()
            for method in item
            if not method.startswith("x-")
        )
        return f"<OpenAPI {document['openapi']}: {', '.join(routes)}; sha256 {_digest(text)}>"
    if isinstance(document, dict) and "widgets" in document:
        return f"<dashboard: {len(document['widgets'])} widgets; sha256 {_digest(text)}>"
    return f"<JSON document, {len(text)} characters; sha256 {_digest(text)}>"


def _lines(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, pulumi.AssetArchive):
        yield f"{path} = <archive of {len(value.assets)} files>"
    elif isinstance(value, dict):
        if not value:
            yield f"{path} = {{}}"
        for key in sorted(value):
            yield from _lines(value[key], f"{path}.{key}")
    elif isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
        for index, item in enumerate(value):
            yield from _lines(item, f"{path}[{index}]")
    elif isinstance(value, str) and (document := json_document(value)) is not None:
        opened = "Statement" in document or len(value) <= OPENED_DOCUMENT_CHARS
        if isinstance(document, dict) and opened:
            yield from _lines(document, path)
        else:
            yield f"{path} = {_summary(value, document)}"
    else:
        yield f"{path} = {_scalar(value)}"


def _scalar(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value, ensure_ascii=False, default=str)


def _stack_tags(resources: Sequence[RecordedResource]) -> dict[str, Any]:
    """The tags most resources carry: the stack's, which would otherwise repeat in every block
    and make every block of a dev-prod diff differ."""
    carried = Counter(
        json.dumps(r.inputs["tags"], sort_keys=True)
        for r in resources
        if isinstance(r.inputs.get("tags"), dict)
    )
    return json.loads(carried.most_common(1)[0][0]) if carried else {}


def _input_lines(resource: RecordedResource, stack_tags: dict[str, Any]) -> Iterator[str]:
    for key in sorted(resource.inputs):
        value = resource.inputs[key]
        if key == "tags" and stack_tags and _carries(value, stack_tags):
            # A resource's own tags (the stage's `accessLogs`) still show, after the stack's.
            own = {name: tag for name, tag in value.items() if name not in stack_tags}
            yield f"tags = {STACK_TAGS}" + (f" + {json.dumps(own, sort_keys=True)}" if own else "")
        else:
            yield from _lines(value, key)


def _carries(tags: Any, stack_tags: dict[str, Any]) -> bool:
    return isinstance(tags, dict) and all(tags.get(k) == v for k, v in stack_tags.items())


def _resource_block(resource: RecordedResource, stack_tags: dict[str, Any]) -> list[str]:
    physical = resource.state.get("name")
    heading = f"{resource.type} {resource.name}" + (f" ({physical})" if physical else "")
    return [heading, *(f"  {line}" for line in _input_lines(resource, stack_tags))]


def inventory(stack: Stack) -> list[str]:
    resources = sorted(stack.aws_resources(), key=lambda r: (r.type, r.name))
    components = len(stack.resources) - len(resources)
    stack_tags = _stack_tags(resources)
    lines = [
        f"# stack {stack.name} ({stack.region}): {len(resources)} resources "
        f"in {components} components",
        *(f"# {line}" for line in _lines(stack_tags, "tags")),
    ]
    for resource in resources:
        lines += ["", *_resource_block(resource, stack_tags)]
    lines += ["", "# outputs"]
    lines += [f"{name} = {_scalar(value)}" for name, value in sorted(stack.outputs.items())]
    return lines


@entry_point("synth")
def main(argv: Sequence[str] | None = None) -> int:
    """A stack that does not exist, or whose config the program refuses, is one line on
    stderr and exit 2 (tools/command_line.py)."""
    parser = argparse.ArgumentParser(prog="python -m tools.fidelity.synth", description=__doc__)
    parser.add_argument("stack", nargs="?", default="dev", help="a Pulumi.<stack>.yaml: dev, prod")
    parser.add_argument("--diff", nargs=2, metavar=("OLD", "NEW"), help="diff two stacks")
    args = parser.parse_args(argv)
    if args.diff:
        old_name, new_name = args.diff
        old, new = inventory(load_stack(old_name)), inventory(load_stack(new_name))
        diff = difflib.unified_diff(old, new, old_name, new_name, lineterm="")
        sys.stdout.write("\n".join(diff) + "\n")
    else:
        sys.stdout.write("\n".join(inventory(load_stack(args.stack))) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
