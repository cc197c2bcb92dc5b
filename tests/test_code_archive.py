"""The Lambda code archive holds the handlers package and nothing else."""

from __future__ import annotations

import pulumi

from components.code_archive import handlers_archive


def test_archive_holds_only_handler_code_and_the_schema() -> None:
    assets = handlers_archive().assets
    names = set(assets)
    assert {
        "handlers/__init__.py",
        "handlers/processor.py",
        "handlers/orders.py",
        "handlers/contract.py",
        "handlers/order.schema.json",
    } <= names
    assert all(name.startswith("handlers/") for name in names)
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)
    assert not any(name.rsplit("/", 1)[-1].startswith("test_") for name in names)
    assert all(isinstance(asset, pulumi.FileAsset) for asset in assets.values())
