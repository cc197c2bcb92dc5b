"""`make reliability`'s command line: a seed that is no number is argparse's usage error."""

from __future__ import annotations

import pytest

from tests.tools.entry_points import the_usage_error
from tools.reliability.__main__ import main


def test_a_seed_that_is_no_number_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--seed", "abc"])

    assert exit_.value.code == 2
    assert "argument --seed: invalid int value: 'abc'" in the_usage_error(capsys.readouterr().err)
