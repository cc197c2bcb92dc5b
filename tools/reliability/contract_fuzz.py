"""schemathesis against the OpenAPI document the local run serves: every operation with
schema-valid (positive) and schema-violating (negative) requests, then stateful sequences
along the links schemathesis infers (POST an order, then GET or PATCH it).

Every answer is checked against the document by schemathesis's checks: no 5xx, only
documented statuses, bodies and content types as documented, invalid requests refused,
valid ones accepted. Two things the local run does not emulate are left out: SigV4
(`ignored_auth`, and generated Authorization headers), and an opaque `cursor` is a
schema-valid string the reader rightly refuses with 400. A schema-valid submission id is a
time and a request id: one from a time to come is rightly 404, one past the outcomes'
retention 410.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import Case, GenerationMode
from schemathesis.core.result import Ok
from schemathesis.openapi import from_dict

from tools.local_run.pipeline import LocalPipeline

CASES_PER_MODE = 10
STATEFUL_RUNS = 5
STATEFUL_STEPS = 5
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


@dataclass(frozen=True)
class ContractFigures:
    cases: int
    stateful_runs: int
    server_errors: int
    failures: tuple[str, ...]

    def render(self) -> str:
        return (
            f"schemathesis on the local run: {self.cases} cases (positive and negative), "
            f"{self.stateful_runs} stateful runs: {len(self.failures)} failure(s), "
            f"{self.server_errors} 5xx"
        )


def api_schema(pipeline: LocalPipeline) -> schemathesis.BaseSchema:
    """The document the local run serves, aimed at it."""
    if pipeline.blueprint.api_document is None:
        raise LookupError("the program deploys no REST API")
    config = schemathesis.Config.from_dict(
        {
            "base-url": pipeline.api_url,
            "generation": {"with-security-parameters": False},
            "checks": {"ignored_auth": {"enabled": False}},
            "operations": [
                {
                    "include-operation-id": "listCustomerOrders",
                    "checks": {"positive_data_acceptance": {"expected-statuses": [200, 400]}},
                },
                {
                    "include-operation-id": "getSubmission",
                    "checks": {"positive_data_acceptance": {"expected-statuses": [200, 404, 410]}},
                },
            ],
        }
    )
    return from_dict(copy.deepcopy(dict(pipeline.blueprint.api_document)), config=config)


def _hypothesis_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        stateful_step_count=STATEFUL_STEPS,
    )


def _failure(case: Case[Any], error: BaseException) -> str:
    messages = [str(sub).strip() for sub in getattr(error, "exceptions", [error])]
    return f"{case.as_curl_command()}\n  " + "\n  ".join(messages)


def fuzz(schema: schemathesis.BaseSchema, cases_per_mode: int = CASES_PER_MODE) -> ContractFigures:
    cases = server_errors = 0
    failures: list[str] = []

    def check(case: Case[Any]) -> None:
        nonlocal cases, server_errors
        cases += 1
        response = case.call()
        server_errors += response.status_code >= 500
        try:
            case.validate_response(response)
        except (AssertionError, BaseExceptionGroup) as error:
            failures.append(_failure(case, error))

    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            failures.append(
                f"the document has an operation schemathesis cannot read: {result.err()}"
            )
            continue
        operation = result.ok()
        for mode in MODES:
            run: Callable[[], None] = _hypothesis_settings(cases_per_mode)(
                given(operation.as_strategy(generation_mode=mode))(check)
            )
            run()
    try:
        schema.as_state_machine().run(settings=_hypothesis_settings(STATEFUL_RUNS))
    except (AssertionError, BaseExceptionGroup) as error:
        failures.append(f"stateful: {error}")
    return ContractFigures(cases, STATEFUL_RUNS, server_errors, tuple(failures))
