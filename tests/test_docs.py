"""The README stays a landing page and the docs stay whole: short, the two commands first,
Deploy early, every relative link landing, every config key the program reads documented."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from settings import load_settings
from settings.config_reader import ConfigReader

REPO_ROOT = Path(__file__).resolve().parent.parent
README = REPO_ROOT / "README.md"
DOCS = REPO_ROOT / "docs"
CONFIGURATION = DOCS / "configuration.md"
PROJECT = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))["name"]

MAX_README_LINES = 200
DEPLOY_WITHIN_LINES = 120
# A newcomer reads these before anything else: the two commands that work on a bare machine.
OPENING_LINES = 10
FIRST_COMMANDS = ("make demo", "make test")

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", flags=re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)[^`].*?\1", flags=re.DOTALL)
INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$", re.MULTILINE)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", flags=re.MULTILINE)
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", flags=re.IGNORECASE)
TABLE_KEY_CELL = re.compile(r"^\|([^|]*)\|", flags=re.MULTILINE)


def pages() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def _shown(path: Path) -> str:
    return path.relative_to(REPO_ROOT).as_posix()


def _prose(text: str) -> str:
    """`text` without fenced blocks and code spans: a link or heading there is an example."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "").lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every heading's anchor; a repeated heading gets `-1`, `-2`... as on GitHub."""
    found: set[str] = set()
    for heading in HEADING.findall(FENCE.sub("", text)):
        anchor = base = slug(heading)
        repeat = 0
        while anchor in found:
            repeat += 1
            anchor = f"{base}-{repeat}"
        found.add(anchor)
    return found


def links(text: str) -> Iterator[str]:
    prose = _prose(text)
    yield from INLINE_LINK.findall(prose)
    yield from REFERENCE_LINK.findall(prose)


def broken_links(page: Path, root: Path = REPO_ROOT) -> list[str]:
    """Each relative link of `page` whose file (inside `root`) or heading does not exist."""
    text = page.read_text(encoding="utf-8")
    broken = []
    for link in links(text):
        if EXTERNAL.match(link):
            continue
        target, _, anchor = link.partition("#")
        path = (page.parent / target).resolve() if target else page
        if not path.is_relative_to(root):
            broken.append(f"{link}: outside the repository")
            continue
        if not path.exists():
            broken.append(f"{link}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path.read_text("utf-8")):
            broken.append(f"{link}: no heading #{anchor}")
    return broken


def heading_line(text: str, heading: str) -> int | None:
    """The 1-based line of `heading` outside code blocks, if the text has it."""
    inside_fence = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(("```", "~~~")):
            inside_fence = not inside_fence
        elif not inside_fence and line.rstrip() == heading:
            return number
    return None


def keys_the_program_reads(stack: str, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Every `<project>:*` key `load_settings` asks for, recorded as the reader takes it."""
    taken: set[str] = set()
    take = ConfigReader._take

    def recording(reader: ConfigReader, key: str) -> str | None:
        taken.add(key)
        return take(reader, key)

    with monkeypatch.context() as patch:
        patch.setattr(ConfigReader, "_take", recording)
        load_settings({}, project=PROJECT, stack=stack, region="eu-west-1")
    return taken


def documented_keys(text: str) -> set[str]:
    """The keys named in the first cell of the text's table rows (`aws:*` keys are AWS's)."""
    return {
        key
        for cell in TABLE_KEY_CELL.findall(text)
        for key in re.findall(r"`([^`]+)`", cell)
        if ":" not in key
    }


def section(text: str, heading: str) -> str:
    """The text under `heading` up to the next heading of the same level."""
    level = heading.split(" ", 1)[0]
    after = text.split(f"\n{heading}\n", 1)[-1] if f"\n{heading}\n" in text else ""
    return re.split(rf"^{level} ", after, maxsplit=1, flags=re.MULTILINE)[0]


@pytest.fixture(scope="module")
def readme() -> str:
    return README.read_text(encoding="utf-8")


@pytest.fixture
def program_keys(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    keys = keys_the_program_reads("dev", monkeypatch) | keys_the_program_reads("prod", monkeypatch)
    # A sample the settings must ask for, so an empty recording cannot pass for a documented one.
    assert {"environment", "batchSize", "alarmEmails", "manageApiGatewayAccount"} <= keys
    return keys


def test_the_readme_is_a_landing_page(readme: str) -> None:
    lines = len(readme.splitlines())

    assert lines <= MAX_README_LINES, (
        f"README.md has {lines} lines; keep it at most {MAX_README_LINES}: move detail to docs/"
    )


def test_the_readme_opens_with_make_demo_and_make_test(readme: str) -> None:
    opening = "\n".join(readme.splitlines()[:OPENING_LINES])

    for command in FIRST_COMMANDS:
        assert command in opening, f"`{command}` must be in README.md's first {OPENING_LINES} lines"


def test_deploy_comes_early_in_the_readme(readme: str) -> None:
    line = heading_line(readme, "## Deploy")

    assert line is not None, "README.md has no `## Deploy` section"
    assert line <= DEPLOY_WITHIN_LINES, (
        f"README.md's `## Deploy` starts at line {line}; it must start by {DEPLOY_WITHIN_LINES}"
    )


@pytest.mark.parametrize("page", pages(), ids=_shown)
def test_every_relative_link_lands(page: Path) -> None:
    assert broken_links(page) == []


def test_the_readme_links_every_docs_page(readme: str) -> None:
    linked = {link.partition("#")[0] for link in links(readme)}
    targets = {_shown(page) for page in DOCS.glob("*.md")}

    assert sorted(targets - linked) == []


def test_every_config_key_the_program_reads_is_documented(program_keys: set[str]) -> None:
    text = CONFIGURATION.read_text(encoding="utf-8")

    missing = sorted(key for key in program_keys if f"`{key}`" not in text)
    assert missing == [], f"add these keys to docs/configuration.md's tables: {missing}"


def test_every_documented_config_key_is_one_the_program_reads(
    program_keys: set[str], readme: str
) -> None:
    configuration = CONFIGURATION.read_text(encoding="utf-8")
    documented = documented_keys(configuration) | documented_keys(
        section(readme, "## Configuration")
    )

    assert documented, "no config key found in the configuration tables"
    assert sorted(documented - program_keys) == []


# The checks themselves: each one must see what it is there to catch.


def test_a_dead_link_a_dead_anchor_and_an_escape_are_caught(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "there.md").write_text("# There\n\n## A section\n", encoding="utf-8")
    page = tmp_path / "README.md"
    page.write_text(
        "[ok](docs/there.md#a-section) [self](#top) [web](https://example.com/x)\n"
        "[gone](docs/gone.md) [no heading](docs/there.md#elsewhere) [out](../x.md)\n"
        "# Top\n\n```md\n[in a block](nowhere.md)\n```\n`[in a span](nowhere.md)`\n"
        "[ref]: docs/missing.md\n",
        encoding="utf-8",
    )

    assert broken_links(page, tmp_path) == [
        "docs/gone.md: no such file",
        "docs/there.md#elsewhere: no heading #elsewhere",
        "../x.md: outside the repository",
        "docs/missing.md: no such file",
    ]


def test_anchors_follow_github() -> None:
    text = "# Deploy\n## `api-5xx-rate`\n## How it's met, and what it costs\n## Deploy\n"

    assert anchors(text) == {"deploy", "api-5xx-rate", "how-its-met-and-what-it-costs", "deploy-1"}


def test_a_heading_inside_a_code_block_is_not_the_section() -> None:
    text = "# x\n\n```sh\n## Deploy\n```\n\n## Deploy\n"

    assert heading_line(text, "## Deploy") == 7
    assert heading_line("# x\n## Deployment\n", "## Deploy") is None


def test_a_key_missing_from_the_tables_is_seen(program_keys: set[str]) -> None:
    text = CONFIGURATION.read_text(encoding="utf-8").replace("`batchSize`", "`batch_size`")

    assert "batchSize" not in documented_keys(text)
    assert "batch_size" in documented_keys(text) - program_keys


def test_every_tool_and_its_tests_have_a_row_in_the_layout_tables() -> None:
    """The layout stays seen: a new folder under tools/ is in architecture.md's table and its
    tests folder in testing.md's."""
    architecture = (DOCS / "architecture.md").read_text(encoding="utf-8")
    testing = (DOCS / "testing.md").read_text(encoding="utf-8")
    tools = sorted(
        path.name
        for path in (REPO_ROOT / "tools").iterdir()
        if path.is_dir() and not path.name.startswith(("_", "."))
    )
    assert [tool for tool in tools if f"| `tools/{tool}/` |" not in architecture] == []
    tested = sorted(
        path.name
        for path in (REPO_ROOT / "tests" / "tools").iterdir()
        if path.is_dir() and not path.name.startswith("_")
    )
    assert [tool for tool in tested if f"`tests/tools/{tool}/`" not in testing] == []
