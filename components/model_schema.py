"""ModelSchema: a REST API model's schema written through the Model API after every import.

API Gateway's OpenAPI import does not carry every rule of a model into request validation.
Its "important notes" for REST APIs say: "The maxItems and minItems tags are not included
in simple request validation. To work around this, update the model after import before
doing validation."
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html#api-gateway-known-issues-rest-apis);
SAM discussion 2708 reports the same of minProperties and maxProperties, and that the same
schema through AWS::ApiGateway::Model (the Model API) works
(https://github.com/aws/serverless-application-model/discussions/2708). So every request
body model is written again with UpdateModel (patch `replace /schema`) once the body is
imported, and again after each re-import: the document's digest is one of its inputs.

No pulumi_aws resource updates a model it did not create (aws.apigateway.Model would
CreateModel a name the import already holds), hence this dynamic resource. Pulumi stores the
provider pickled by reference to this module, which the dynamic provider host imports from the
project directory: keep it free of side effects at import. It calls the API
with boto3 and the default AWS credential chain in the stack's region: the same credentials
`pulumi up` runs with (AWS_PROFILE or AWS_ACCESS_KEY_ID...), which need
`apigateway:PATCH` on the API's models.
"""

from __future__ import annotations

from typing import Any

import boto3
import pulumi
import pulumi.dynamic

# The inputs the provider reads, as recorded in the stack (tools.local_run.blueprint and
# tools.fidelity.import_caveats read them back).
REST_API_ID = "restApiId"
MODEL_NAME = "modelName"
SCHEMA = "schema"
REGION = "region"
IMPORT_DIGEST = "importDigest"
MODEL_SCHEMA_TYPE = "pulumi-python:dynamic/apigateway:ModelSchema"
# Another API or model is another resource.
REPLACING_INPUTS = (REST_API_ID, MODEL_NAME, REGION)


class ModelSchemaProvider(pulumi.dynamic.ResourceProvider):
    """Create and update both write the schema; delete leaves the model to its API."""

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        _update_model(props)
        return pulumi.dynamic.CreateResult(f"{props[REST_API_ID]}/{props[MODEL_NAME]}", props)

    def diff(
        self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]
    ) -> pulumi.dynamic.DiffResult:
        changed = [key for key in (*REPLACING_INPUTS, SCHEMA, IMPORT_DIGEST)
                   if _olds.get(key) != _news.get(key)]  # fmt: skip
        return pulumi.dynamic.DiffResult(
            changes=bool(changed),
            replaces=[key for key in changed if key in REPLACING_INPUTS],
            delete_before_replace=False,
        )

    def update(
        self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]
    ) -> pulumi.dynamic.UpdateResult:
        _update_model(_news)
        return pulumi.dynamic.UpdateResult(_news)


def _update_model(props: dict[str, Any]) -> None:
    boto3.client("apigateway", region_name=props[REGION]).update_model(
        restApiId=props[REST_API_ID],
        modelName=props[MODEL_NAME],
        patchOperations=[{"op": "replace", "path": "/schema", "value": props[SCHEMA]}],
    )


class ModelSchema(pulumi.dynamic.Resource, module="apigateway", name="ModelSchema"):
    """One model's schema, written after import (type MODEL_SCHEMA_TYPE)."""

    def __init__(
        self,
        name: str,
        *,
        rest_api_id: pulumi.Input[str],
        model_name: str,
        schema: pulumi.Input[str],
        region: str,
        import_digest: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            ModelSchemaProvider(),
            name,
            {
                REST_API_ID: rest_api_id,
                MODEL_NAME: model_name,
                SCHEMA: schema,
                REGION: region,
                IMPORT_DIGEST: import_digest,
            },
            opts,
        )
