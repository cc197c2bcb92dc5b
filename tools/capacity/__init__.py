"""Where the deployed pipeline saturates (`make capacity`, docs/scale.md).

`shape` reads the stack's settings and alarms from its program run under mocks; `quotas` holds
AWS's documented quotas and behaviours with their sources; `stages` turns both into each
stage's limit and `model` into the sustainable rate and first bottleneck; `simulation` runs the
pipeline second by second at a rate and `alarms` evaluates the stack's alarms over that run;
`report` prints it all.
"""
