"""X-Ray tracing that costs a container nothing until one of its invocations is sampled.

Creating Powertools' `Tracer` imports the X-Ray SDK and builds its recorder: about 100 ms,
more than a third of a handler's cold start. Only sampled invocations send anything to
X-Ray, and at volume X-Ray samples one request a second and 5% of the rest, so most cold
starts need none of it. Lambda names each invocation's sampling decision in the
`_X_AMZN_TRACE_ID` variable it sets before calling the handler. `SampledTracer` creates the
Tracer at the first invocation whose header says `Sampled=1`; from then on every call goes
through Powertools' decorators exactly as if the Tracer had been made at import. The X-Ray
SDK patches botocore's client class, so clients created at import are traced from then on.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, Final, ParamSpec, TypeVar

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.tracing import tracer as powertools_tracer

TRACE_HEADER_ENV: Final = "_X_AMZN_TRACE_ID"
SAMPLED_FIELD: Final = "Sampled=1"

Params = ParamSpec("Params")
Result = TypeVar("Result")


def invocation_sampled(trace_header: str | None) -> bool:
    """Whether X-Ray keeps this invocation's trace, from `Root=...;Parent=...;Sampled=1`."""
    if not trace_header:
        return False
    return SAMPLED_FIELD in (field.strip() for field in trace_header.split(";"))


class SampledTracer:
    """Powertools' `Tracer`, created when the first sampled invocation arrives."""

    def __init__(self) -> None:
        self._tracer: Tracer | None = None
        self._invoked = False

    def _load(self) -> Tracer:
        if self._tracer is None:
            if self._invoked:
                # Powertools annotates the first invocation it traces as ColdStart; here that
                # is only true when no invocation came before it.
                powertools_tracer.is_cold_start = False
            self._tracer = Tracer()
        return self._tracer

    def capture_lambda_handler(
        self, handler: Callable[[Any, Any], Result]
    ) -> Callable[[Any, Any], Result]:
        traced: Callable[[Any, Any], Result] | None = None

        @functools.wraps(handler)
        def invoke(event: Any, context: Any) -> Result:
            nonlocal traced
            if traced is None and invocation_sampled(os.environ.get(TRACE_HEADER_ENV)):
                traced = self._load().capture_lambda_handler(handler)
            self._invoked = True
            return handler(event, context) if traced is None else traced(event, context)

        return invoke

    def capture_method(self, method: Callable[Params, Result]) -> Callable[Params, Result]:
        traced: Callable[Params, Result] | None = None

        @functools.wraps(method)
        def call(*args: Params.args, **kwargs: Params.kwargs) -> Result:
            nonlocal traced
            if self._tracer is None:
                return method(*args, **kwargs)
            if traced is None:
                traced = self._tracer.capture_method(method)
            return traced(*args, **kwargs)

        return call
