"""`make cost` ends by saying where a deployed stack's actual cost is: its tags, in the bill."""

from __future__ import annotations

import re

from settings.tags import REQUIRED_TAG_KEYS
from tools.ops.cost import estimate_stack, render
from tools.repository import REPO_ROOT


def test_the_estimate_ends_with_how_to_find_the_stacks_actual_cost() -> None:
    last = render(estimate_stack("prod", 1000)).splitlines()[-1]

    assert "filtered by tag stack = prod" in last
    assert all(re.search(rf"\b{key}\b", last) for key in REQUIRED_TAG_KEYS)
    page, anchor = re.findall(r"\((docs/[\w.]+)#([\w-]+)\)", last)[0]
    headings = (REPO_ROOT / page).read_text(encoding="utf-8").splitlines()
    assert f"### {anchor.replace('-', ' ').capitalize()}" in headings
