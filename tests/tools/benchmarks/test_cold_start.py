"""P3's task roots: the code archive's files as Lambda gets them, and again with bytecode."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from components.code_archive import handlers_archive
from tools.benchmarks.cold_start import compile_seconds, task_roots

# The pyc header's flags word (PEP 552): hash-based, source not checked.
UNCHECKED_HASH_FLAGS = 0b01


def _files(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}


def test_the_source_root_is_the_archive_and_the_other_adds_one_pyc_per_module() -> None:
    archived = set(handlers_archive().assets)
    modules = sorted(name for name in archived if name.endswith(".py"))
    with task_roots() as (source, bytecode):
        assert _files(source) == archived
        cached = {
            Path(importlib.util.cache_from_source(str(bytecode / name))): name for name in modules
        }
        assert _files(bytecode) == archived | {
            path.relative_to(bytecode).as_posix() for path in cached
        }
        for pyc in cached:
            header = pyc.read_bytes()[:16]
            assert header[:4] == importlib.util.MAGIC_NUMBER
            assert int.from_bytes(header[4:8], "little") == UNCHECKED_HASH_FLAGS
    assert not source.exists()


def test_compiling_reads_each_module_s_own_source() -> None:
    assert compile_seconds({"handlers", "handlers.processor"}, runs=1) > 0
    with pytest.raises(FileNotFoundError, match=r"handlers/no_such_module\.py"):
        compile_seconds({"handlers.no_such_module"}, runs=1)
