"""`make bench`'s command line: an unknown figure is argparse's usage error, no traceback."""

from __future__ import annotations

import pytest

from tests.tools.entry_points import the_usage_error
from tools.benchmarks.__main__ import main


def test_an_unknown_figure_is_a_usage_error_naming_the_figures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--only", "P9"])

    assert exit_.value.code == 2
    assert "unknown figures P9; choose from P1, P2, P3, P4, P5" in the_usage_error(
        capsys.readouterr().err
    )
