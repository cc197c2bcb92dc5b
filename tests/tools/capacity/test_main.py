"""`make capacity` and `python -m tools.capacity`: the lines the issue promises, and bad input
as one line on stderr with exit status 2."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.tools.entry_points import (
    REFUSED_CONFIG,
    REFUSED_KEY,
    run_make,
    the_one_line,
    with_stacks,
)
from tools.capacity import __main__ as capacity_command

SUSTAINABLE = re.compile(r"^sustainable: (\d+) orders/s$", re.MULTILINE)
BOTTLENECK = re.compile(r"^first bottleneck: (.+) \((.+)\)$", re.MULTILINE)
FIRING = re.compile(r"^alarms firing: (.+)$", re.MULTILINE)


def output(capsys: pytest.CaptureFixture[str], *arguments: str) -> str:
    assert capacity_command.main(list(arguments)) == 0
    return capsys.readouterr().out


def test_the_report_has_the_sustainable_rate_and_the_first_bottleneck(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = output(capsys, "--stack", "dev")

    assert SUSTAINABLE.search(text)
    bottleneck = BOTTLENECK.search(text)
    assert bottleneck is not None
    assert bottleneck.group(1) in text.split("\n\n", 2)[1]
    assert "alarms firing" not in text
    assert "Documented only loosely by AWS" in text
    assert "https://docs.aws.amazon.com/" in text


def test_a_raised_setting_and_quota_move_the_rate(capsys: pytest.CaptureFixture[str]) -> None:
    before = SUSTAINABLE.search(output(capsys, "--stack", "dev"))
    after = SUSTAINABLE.search(
        output(
            capsys,
            "--stack",
            "dev",
            "--set",
            "apiThrottlingRateLimit=5000",
            "--set",
            "notifierBatchSize=1000",
            "--quota",
            "sns-publish=20000",
        )
    )

    assert before is not None
    assert after is not None
    assert int(after.group(1)) > int(before.group(1))


def test_with_a_rate_it_names_the_alarms_and_the_backlog_over_time(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = output(capsys, "--stack", "dev", "--rate", "100", "--seconds", "10m")

    firing = FIRING.search(text)
    assert firing is not None
    assert "api-4xx-rate" in firing.group(1)
    assert "queue backlog" in text
    assert "queue oldest s" in text
    assert "stream oldest s" in text
    assert "At 100 orders/s for 600 s:" in text


def test_at_a_low_rate_it_says_none(capsys: pytest.CaptureFixture[str]) -> None:
    text = output(capsys, "--stack", "prod", "--rate", "1", "--seconds", "600")

    firing = FIRING.search(text)
    assert firing is not None
    assert firing.group(1) == "none"


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (["--rate", "-5"], "RATE must be a number of orders a second, 0 or more: got '-5'"),
        (["--rate", "lots"], "RATE must be a number"),
        (["--rate", "nan"], "RATE must be a number"),
        (["--seconds", "0"], "SECONDS must be a duration from 1 to 86400"),
        (["--seconds", "ten"], "SECONDS must be a duration"),
        (["--set", "batchSize"], "--set takes NAME=VALUE"),
        (["--quota", "patience=3"], "no quota 'patience'"),
        (["--set", "batchSize=lots"], "batchSize"),
    ],
)
def test_bad_input_is_one_line(
    arguments: list[str], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert capacity_command.main(["--stack", "dev", *arguments]) == 2
    assert problem in the_one_line(capsys.readouterr().err, "capacity")


def test_a_stack_whose_config_is_refused_is_one_line_naming_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with_stacks(tmp_path, monkeypatch, broken=REFUSED_CONFIG)

    assert capacity_command.main(["--stack", "broken"]) == 2
    assert REFUSED_KEY in the_one_line(capsys.readouterr().err, "capacity")


@pytest.mark.parametrize(
    ("variables", "problem"),
    [
        (["STACK=staging"], "no stack 'staging': the stacks are dev, prod"),
        (["STACK=dev", "RATE=-1"], "RATE must be a number of orders a second, 0 or more"),
        (["STACK=dev", "RATE=fast"], "RATE must be a number of orders a second, 0 or more"),
        ([], "give STACK"),
    ],
)
def test_make_capacity_with_bad_input_is_one_line(variables: list[str], problem: str) -> None:
    exit_code, stderr = run_make("capacity", *variables)

    assert exit_code == 2
    assert problem in the_one_line(stderr, "capacity")
