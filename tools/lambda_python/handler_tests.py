"""The tests that run on the functions' runtime too: every test module that imports handlers/.

Read from the modules' own import statements, so a new handler test is picked up by what it
imports, with no marker or list to keep.
"""

from __future__ import annotations

import ast
from pathlib import Path

HANDLERS_PACKAGE = "handlers"


def imports_handlers(source: str) -> bool:
    """Whether a module imports `handlers` or anything inside it, at any depth of the file."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        if any(name.split(".")[0] == HANDLERS_PACKAGE for name in names):
            return True
    return False


def handler_test_files(tests_dir: Path) -> list[Path]:
    return sorted(
        path for path in tests_dir.rglob("test_*.py") if imports_handlers(path.read_text())
    )
