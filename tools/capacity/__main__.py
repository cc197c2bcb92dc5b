"""How many orders a second a stack takes, what limits it, and what a given rate does.

    python -m tools.capacity --stack prod [--rate 300] [--seconds 3600]
        [--set batchSize=50] [--quota lambda-concurrency=3000]

The stack is read from its program run under mocks (tools/capacity/shape.py); `--set` lays
config keys over the stack file, `--quota` stands for a quota increase.
"""

from __future__ import annotations

import argparse
import math
import sys

from tools.capacity.alarms import evaluate_alarms
from tools.capacity.model import capacity
from tools.capacity.quotas import ADJUSTABLE, Quotas, quotas_for
from tools.capacity.report import render
from tools.capacity.shape import load_shape
from tools.capacity.simulation import simulate
from tools.command_line import UsageError, entry_point
from tools.pulumi_mocks.program import PROJECT

DEFAULT_SECONDS = 3_600
MOST_SECONDS = 86_400
DURATION_UNITS = {"s": 1, "m": 60, "h": 3_600}


def parse_rate(text: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        rate = math.nan
    if not math.isfinite(rate) or rate < 0:
        raise UsageError(f"RATE must be a number of orders a second, 0 or more: got {text!r}")
    return rate


def parse_seconds(text: str) -> int:
    unit = DURATION_UNITS.get(text[-1:], 1) if text else 1
    digits = text[:-1] if text[-1:] in DURATION_UNITS else text
    if not digits.isdigit() or not 1 <= int(digits) * unit <= MOST_SECONDS:
        raise UsageError(
            f"SECONDS must be a duration from 1 to {MOST_SECONDS} seconds (600, 10m, 1h): "
            f"got {text!r}"
        )
    return int(digits) * unit


def _pair(text: str, what: str) -> tuple[str, str]:
    name, separator, value = text.partition("=")
    if not separator or not name or not value:
        raise UsageError(f"{what} takes NAME=VALUE: got {text!r}")
    return name, value


def parse_settings(pairs: list[str]) -> dict[str, str]:
    """Config keys as `pulumi config set` takes them: without a namespace, the project's."""
    settings = {}
    for text in pairs:
        key, value = _pair(text, "--set")
        settings[key if ":" in key else f"{PROJECT}:{key}"] = value
    return settings


def apply_quotas(quotas: Quotas, pairs: list[str]) -> Quotas:
    names = {name.replace("_", "-"): name for name in ADJUSTABLE}
    for text in pairs:
        name, value = _pair(text, "--quota")
        if name not in names:
            raise UsageError(f"no quota {name!r}: the quotas are {', '.join(names)}")
        raised = parse_rate(value)
        quotas = quotas.with_value(names[name], raised)
    return quotas


@entry_point("capacity")
def main(argv: list[str] | None = None) -> int:
    """A stack that does not exist, a config the program refuses, a rate or duration that is
    not one: one line on stderr and exit 2 (tools/command_line.py)."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.capacity", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--stack", required=True, help="dev or prod (its Pulumi.<stack>.yaml)")
    parser.add_argument("--rate", help="orders a second to simulate (RATE)")
    parser.add_argument("--seconds", help=f"how long to simulate; default {DEFAULT_SECONDS}")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--quota", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    rate = None if args.rate is None else parse_rate(args.rate)
    seconds = DEFAULT_SECONDS if args.seconds is None else parse_seconds(args.seconds)
    shape = load_shape(args.stack, parse_settings(args.set))
    quotas = apply_quotas(quotas_for(shape.region), args.quota)
    result = capacity(shape, quotas)
    if rate is None:
        print(render(result))
        return 0
    run = simulate(shape, quotas, rate, seconds)
    print(render(result, run, evaluate_alarms(shape.alarms, run, shape.processor.batch_size)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
