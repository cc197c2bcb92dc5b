"""Physical names: what Pulumi will ask AWS to call each resource, against AWS's rules."""

from __future__ import annotations

from collections.abc import Iterable

from tools.fidelity.aws_limits import NAME_RULES
from tools.fidelity.recorded_stack import AUTO_NAME_SUFFIX_LENGTH, Stack
from tools.pulumi_mocks.recording import RecordedResource

# Pulumi's auto-name of a FIFO queue or topic keeps the required suffix.
FIFO_SUFFIX = ".fifo"


def physical_name(resource: RecordedResource) -> str | None:
    """The name AWS will see: the explicit input, or Pulumi's auto-name of the same length."""
    rule = NAME_RULES.get(resource.type)
    if rule is None:
        return None
    explicit = resource.inputs.get(rule.key)
    if isinstance(explicit, str):
        return explicit
    if not rule.auto_named:
        return None
    # The 7 characters Pulumi draws are alphanumeric; any stand-in of that length measures.
    name = f"{resource.name}-{'0' * (AUTO_NAME_SUFFIX_LENGTH - 1)}"
    fifo = resource.inputs.get("fifoQueue") or resource.inputs.get("fifoTopic")
    return f"{name}{FIFO_SUFFIX}" if fifo else name


def check_name(resource: RecordedResource, _stack: Stack) -> Iterable[str]:
    rule = NAME_RULES.get(resource.type)
    if rule is None:
        return
    name = physical_name(resource)
    if name is None:
        yield f"{rule.key} is required ({rule.source})"
        return
    how = "name" if rule.key in resource.inputs else "auto-name"
    if not rule.min_length <= len(name) <= rule.max_length:
        yield (
            f"{how} {name!r} is {len(name)} characters; AWS allows "
            f"{rule.min_length}..{rule.max_length} ({rule.source})"
        )
    if not rule.pattern.match(name):
        yield f"{how} {name!r} does not match {rule.pattern.pattern} ({rule.source})"
