"""Run the Pulumi program without the Pulumi CLI or an AWS account.

Tests, the local run and `make synth` all use this one runner, so every offline view of
a stack is the program's own, never a second copy of its settings.
"""
