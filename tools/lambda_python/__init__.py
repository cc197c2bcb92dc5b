"""The Python the Lambda functions run (`LAMBDA_RUNTIME`, settings/core.py) on this machine:
where its interpreter is, and the tests that import handlers/, which `make test` runs on it a
second time in a venv of its own (docs/testing.md)."""
