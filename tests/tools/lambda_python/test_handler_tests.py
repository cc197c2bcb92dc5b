"""Which tests run on the functions' runtime: those whose own imports reach handlers/."""

from __future__ import annotations

import pytest

from tools.lambda_python.handler_tests import handler_test_files, imports_handlers
from tools.repository import REPO_ROOT


@pytest.mark.parametrize(
    "source",
    [
        "import handlers.processor",
        "from handlers import contract",
        "from handlers.orders import parse_order",
        "import json, handlers.reader as reader",
        "def test_late() -> None:\n    from handlers import notifier\n",
    ],
)
def test_every_form_of_import_of_handlers_counts(source: str) -> None:
    assert imports_handlers(source)


@pytest.mark.parametrize(
    "source",
    [
        "import settings.core",
        "from tools.local_run import handlers_env",
        "from . import handlers",
        "handlers = 'handlers.processor'",
        "import handlers_extra",
    ],
)
def test_names_that_only_look_like_handlers_do_not(source: str) -> None:
    assert not imports_handlers(source)


def test_the_suite_s_handler_tests_are_chosen_and_the_rest_are_not() -> None:
    tests = handler_test_files(REPO_ROOT / "tests")
    chosen = {path.relative_to(REPO_ROOT).as_posix() for path in tests}
    assert {
        "tests/test_processor.py",
        "tests/test_notifier_handler.py",
        "tests/test_orders.py",
        "tests/tools/local_run/test_end_to_end.py",
    } <= chosen
    assert "tests/test_settings.py" not in chosen
    assert "tests/tools/lambda_python/test_handler_tests.py" not in chosen
    assert all(name.rsplit("/", 1)[-1].startswith("test_") for name in chosen)
