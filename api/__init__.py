"""The order API: its OpenAPI document, request models and mapping templates.

Imported by the Pulumi program, so nothing here needs more than `requirements.txt`
except `api.sqs_integration`, which renders templates for tests and the local run.
"""
