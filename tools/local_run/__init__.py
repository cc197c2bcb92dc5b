"""The whole order pipeline on this machine: no AWS account, no Pulumi CLI.

moto in server mode stands in for SQS, DynamoDB and SNS on 127.0.0.1; the resources are
the ones the program itself registers (`tools.pulumi_mocks.program.run_program`), created from their
recorded inputs; the real handlers run in-process, fed by pollers that play Lambda's
event source mappings and by an HTTP server that plays API Gateway from the deployed
OpenAPI document. `make local` runs it in the foreground, `make demo` drives it once.
"""
