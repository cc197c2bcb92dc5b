"""Reliability under bad input and faults: generators, fault scenarios and their figures.

`bodies` generates hostile and valid request bodies; `scenarios` sends them (and valid
orders under injected faults) through the real handlers on moto with Lambda's event-source
semantics; `edge` sends them over HTTP to the local run. Each scenario returns `Figures`
(what was sent, where it ended, what was announced); `python -m tools.reliability` prints them.
"""
