"""What API Gateway's OpenAPI import leaves out of request validation, as data with sources.

The RestApi body is imported (PutRestApi); AWS documents parts of a model or parameter that
the imported API then does not enforce. Each caveat below quotes where AWS says so. Two uses:

- `imported_model` is what the local gateway validates a body model with, so that a rule
  that would hold only locally fails a test instead of a customer's order.
- `check_import_caveats` fails the fidelity checks (`make test`) when a request body model
  relies on a dropped keyword without being written again through the Model API after the
  import (components.model_schema), or when a parameter of a route no function serves
  relies on a constraint API Gateway ignores.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from api.openapi import model_schema, operations, request_body_model_names
from components.model_schema import MODEL_NAME, MODEL_SCHEMA_TYPE, SCHEMA
from tools.fidelity.recorded_stack import Finding, Stack, json_document, label

REST_API = "aws:apigateway/restApi:RestApi"
# The current page, and the last copy of its source AWS published on GitHub (2023), whose
# list of model keywords the current page has since shortened without saying they now work.
KNOWN_ISSUES = (
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
    "api-gateway-known-issues.html#api-gateway-known-issues-rest-apis"
)
KNOWN_ISSUES_SOURCE = (
    "https://github.com/awsdocs/amazon-api-gateway-developer-guide/blob/"
    "678401eb0597ccdde40719611af5ccd31c9f41aa/doc_source/api-gateway-known-issues.md"
)
REQUEST_VALIDATION = (
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
    "api-gateway-method-request-validation.html"
)
SAM_2708 = "https://github.com/aws/serverless-application-model/discussions/2708"
# What a function behind a proxy integration receives as sent, and checks itself
# (handlers/api_input.py); anything else has nobody to enforce an ignored parameter rule.
PROXY_INTEGRATION = "aws_proxy"
# Parameter schema keywords API Gateway reads: a type and a description.
PARAMETER_SCHEMA_READ = frozenset({"type", "description"})


@dataclass(frozen=True)
class Source:
    url: str
    quote: str


@dataclass(frozen=True)
class ImportCaveat:
    """Model keywords the import leaves out of request validation."""

    keywords: frozenset[str]
    effect: str
    source: Source


MODEL_CAVEATS = (
    ImportCaveat(
        frozenset({"minItems", "maxItems"}),
        "not enforced by request validation until the model is updated after import",
        Source(
            KNOWN_ISSUES,
            "The maxItems and minItems tags are not included in simple request validation. "
            "To work around this, update the model after import before doing validation.",
        ),
    ),
    ImportCaveat(
        frozenset({"minProperties", "maxProperties"}),
        "missing from the imported model; the same schema through the Model API works",
        Source(
            SAM_2708,
            "Everything deploys but that those key value pairs are missing. I have tried the "
            "exact same schema with the AWS::ApiGateway::Model and it works fine.",
        ),
    ),
    ImportCaveat(
        frozenset({"additionalProperties", "anyOf"}),
        "not supported in imported models",
        Source(
            KNOWN_ISSUES_SOURCE,
            "The additionalProperties and anyOf fields are not supported in Models.",
        ),
    ),
    ImportCaveat(
        frozenset({"oneOf"}), "not supported",
        Source(KNOWN_ISSUES_SOURCE, "oneOf is not supported by API Gateway."),
    ),
    ImportCaveat(
        frozenset({"exclusiveMinimum"}), "not supported",
        Source(KNOWN_ISSUES, "exclusiveMinimum is not supported by API Gateway."),
    ),
    ImportCaveat(
        frozenset({"discriminator"}), "not supported",
        Source(KNOWN_ISSUES, "The discriminator parameter is not supported in any schema object."),
    ),
)  # fmt: skip
# Parameters: every schema keyword but PARAMETER_SCHEMA_READ is ignored, and only the
# presence of a required query string parameter or header is checked.
PARAMETER_SOURCES = (
    Source(
        KNOWN_ISSUES,
        "For input parameters, only the following attributes are supported: name, in, "
        "required, type, description. Other attributes are ignored.",
    ),
    Source(
        REQUEST_VALIDATION,
        "API Gateway only checks the existence of a parameter and doesn't check the type "
        "or format.",
    ),
)
DROPPED_MODEL_KEYWORDS = frozenset().union(*(caveat.keywords for caveat in MODEL_CAVEATS))
# Keywords whose values are names or values, never schemas: nothing in them is a keyword.
LITERAL_KEYWORDS = frozenset({"enum", "required"})
# Keywords whose values map names to schemas: the names are not keywords.
SCHEMA_MAP_KEYWORDS = frozenset({"properties", "patternProperties", "definitions"})


def caveat_of(keyword: str) -> ImportCaveat:
    (caveat,) = [caveat for caveat in MODEL_CAVEATS if keyword in caveat.keywords]
    return caveat


def imported_model(schema: Any) -> Any:
    """What request validation enforces of a model imported from the body: the schema
    without any keyword a caveat drops, at any depth."""
    if isinstance(schema, list):
        return [imported_model(item) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    kept: dict[str, Any] = {}
    for keyword, value in schema.items():
        if keyword in DROPPED_MODEL_KEYWORDS:
            continue
        if keyword in SCHEMA_MAP_KEYWORDS:
            kept[keyword] = {name: imported_model(item) for name, item in value.items()}
        else:
            kept[keyword] = value if keyword in LITERAL_KEYWORDS else imported_model(value)
    return kept


def dropped_keywords(schema: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, keyword) of every keyword of a model the import drops."""
    if isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from dropped_keywords(item, f"{path}/{index}")
        return
    if not isinstance(schema, Mapping):
        return
    for keyword, value in schema.items():
        if keyword in DROPPED_MODEL_KEYWORDS:
            yield path or "/", keyword
        if keyword in SCHEMA_MAP_KEYWORDS:
            for name, item in value.items():
                yield from dropped_keywords(item, f"{path}/{keyword}/{name}")
        elif keyword not in LITERAL_KEYWORDS:
            yield from dropped_keywords(value, f"{path}/{keyword}")


def models_written_after_import(stack: Stack) -> dict[str, Any]:
    """Each model name the stack writes through the Model API, with the schema it writes."""
    return {
        str(resource.inputs[MODEL_NAME]): json.loads(resource.inputs[SCHEMA])
        for resource in stack.of_type(MODEL_SCHEMA_TYPE)
    }


def _model_problems(document: Mapping[str, Any], written: Mapping[str, Any]) -> Iterator[str]:
    for name in request_body_model_names(document):
        dropped = list(dropped_keywords(document["components"]["schemas"][name]))
        if not dropped or written.get(name) == model_schema(document, name):
            continue
        keywords = sorted({keyword for _, keyword in dropped})
        where = ", ".join(f"{keyword} at {path}" for path, keyword in dropped[:5])
        sources = " ".join(sorted({caveat_of(keyword).source.url for keyword in keywords}))
        yield (
            f"model {name} relies on {', '.join(keywords)} ({where}), which API Gateway's "
            f"import leaves out of request validation ({sources}), and the stack does not "
            "write the model again after import (components.model_schema)"
        )


def _parameter_problems(document: Mapping[str, Any]) -> Iterator[str]:
    for path, method, operation in operations(document):
        integration = operation.get("x-amazon-apigateway-integration", {})
        if integration.get("type") == PROXY_INTEGRATION:
            continue
        for parameter in operation.get("parameters", []):
            ignored = sorted(set(parameter.get("schema", {})) - PARAMETER_SCHEMA_READ)
            if ignored:
                yield (
                    f"{method.upper()} {path} parameter {parameter['name']} relies on "
                    f"{', '.join(ignored)}, which API Gateway ignores ({KNOWN_ISSUES}), and "
                    "no function behind the route checks it"
                )


def check_import_caveats(stack: Stack) -> list[Finding]:
    written = models_written_after_import(stack)
    findings: list[Finding] = []
    for api in stack.of_type(REST_API):
        document = json_document(str(api.inputs.get("body", "")))
        if isinstance(document, dict):
            problems = [*_model_problems(document, written), *_parameter_problems(document)]
            findings += [Finding("import", label(api), problem) for problem in problems]
    return findings
