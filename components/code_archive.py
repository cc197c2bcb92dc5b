"""The Lambda code archive: the `handlers` package, and nothing else."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pulumi

HANDLERS_DIR = Path(__file__).resolve().parent.parent / "handlers"

# Only what runs in Lambda: no caches, no editor files, no tests.
PACKAGED_SUFFIXES = frozenset({".py", ".json"})


def packaged_files() -> list[Path]:
    return sorted(
        path
        for path in HANDLERS_DIR.rglob("*")
        if path.is_file()
        and path.suffix in PACKAGED_SUFFIXES
        and "__pycache__" not in path.parts
        and not path.name.startswith("test_")
    )


@cache
def handlers_archive() -> pulumi.AssetArchive:
    """One archive shared by every function; each function picks its own entry point."""
    root = HANDLERS_DIR.parent
    return pulumi.AssetArchive(
        {
            path.relative_to(root).as_posix(): pulumi.FileAsset(str(path))
            for path in packaged_files()
        }
    )
