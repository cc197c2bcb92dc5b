"""The order API: its OpenAPI document, request models and mapping templates.

Imported by the Pulumi program, so nothing here needs more than `requirements.txt`; what
renders the templates for the tests and the local run (airspeed, a dev-only dependency) is
`tools.local_run.sqs_integration`.
"""
