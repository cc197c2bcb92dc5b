"""OrderStore: the DynamoDB table every order is written to exactly once, and the small
table of submission outcomes the order table cannot tell (docs/api.md, "Following a
submission")."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.watches import StoreWatch
from handlers import contract
from settings.core import StoreSettings


@dataclass(frozen=True)
class OrderStoreArgs:
    settings: StoreSettings
    """Point-in-time recovery and deletion protection, per environment."""


class OrderStore(pulumi.ComponentResource):
    """The order table, keyed on the order id, with a customer index, a submission index and
    a change stream; and the submissions table, keyed on the request id, with a TTL."""

    table_name: pulumi.Output[str]
    """The table's name: what the functions are told to use, and CloudWatch's `TableName`."""
    table_arn: pulumi.Output[str]
    """The table's ARN, for the item permissions of the functions that read or write it."""
    stream_arn: pulumi.Output[str]
    """The table's stream (new and old images), which the Notifier announces changes from."""
    customer_index_arn: pulumi.Output[str]
    """The customer index's ARN: Query permissions name the index, not the table."""
    submission_index_arn: pulumi.Output[str]
    """The index from a submission's request id to the order it stored."""
    submissions_table_name: pulumi.Output[str]
    """The table of rejected (and identically re-submitted) submissions, by request id."""
    submissions_table_arn: pulumi.Output[str]
    """The submissions table's ARN, for the processor's writes and the monitor's reads."""
    watch: StoreWatch
    """What Monitoring watches of the store."""

    def __init__(
        self, name: str, args: OrderStoreArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("order-pipeline:storage:OrderStore", name, None, opts)
        table = self._create_table(name, args.settings)
        submissions = self._create_submissions_table(name, args.settings)
        self.table_name = table.name
        self.table_arn = table.arn
        self.stream_arn = table.stream_arn
        self.customer_index_arn = table.arn.apply(
            lambda arn: f"{arn}/index/{contract.CUSTOMER_INDEX_NAME}"
        )
        self.submission_index_arn = table.arn.apply(
            lambda arn: f"{arn}/index/{contract.SUBMISSION_INDEX_NAME}"
        )
        self.submissions_table_name = submissions.name
        self.submissions_table_arn = submissions.arn
        self.watch = StoreWatch(table_name=self.table_name)
        self.register_outputs(
            {
                "table_name": self.table_name,
                "table_arn": self.table_arn,
                "stream_arn": self.stream_arn,
                "customer_index_arn": self.customer_index_arn,
                "submission_index_arn": self.submission_index_arn,
                "submissions_table_name": self.submissions_table_name,
                "submissions_table_arn": self.submissions_table_arn,
            }
        )

    def _create_table(self, name: str, settings: StoreSettings) -> aws.dynamodb.Table:
        string = "S"
        return aws.dynamodb.Table(
            f"{name}-table",
            billing_mode="PAY_PER_REQUEST",
            hash_key=contract.ORDER_KEY,
            attributes=[
                aws.dynamodb.TableAttributeArgs(name=attribute, type=string)
                for attribute in (
                    contract.ORDER_KEY,
                    contract.CUSTOMER_INDEX_PARTITION_KEY,
                    contract.CUSTOMER_INDEX_SORT_KEY,
                    contract.ORDER_REQUEST_ID_FIELD,
                )
            ],
            global_secondary_indexes=[
                aws.dynamodb.TableGlobalSecondaryIndexArgs(
                    name=contract.CUSTOMER_INDEX_NAME,
                    key_schemas=[
                        aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                            attribute_name=contract.CUSTOMER_INDEX_PARTITION_KEY, key_type="HASH"
                        ),
                        aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                            attribute_name=contract.CUSTOMER_INDEX_SORT_KEY, key_type="RANGE"
                        ),
                    ],
                    # Customer queries return whole orders; projecting all avoids a read per hit.
                    projection_type="ALL",
                ),
                # A submission's monitor finds the order it stored, so storing an order needs
                # no second request. Keys only: the monitor needs just the order id. Sparse:
                # orders that did not come through the API carry no request id.
                aws.dynamodb.TableGlobalSecondaryIndexArgs(
                    name=contract.SUBMISSION_INDEX_NAME,
                    key_schemas=[
                        aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                            attribute_name=contract.ORDER_REQUEST_ID_FIELD, key_type="HASH"
                        )
                    ],
                    projection_type="KEYS_ONLY",
                ),
            ],
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(enabled=True),
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(
                enabled=settings.point_in_time_recovery
            ),
            # The Notifier announces status changes from this stream: old and new images let
            # it tell a creation from a status change without reading the table.
            stream_enabled=True,
            stream_view_type="NEW_AND_OLD_IMAGES",
            deletion_protection_enabled=settings.deletion_protection,
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=settings.deletion_protection),
        )

    def _create_submissions_table(self, name: str, settings: StoreSettings) -> aws.dynamodb.Table:
        # Written only for rejections and identical re-submissions, never for a stored order;
        # DynamoDB deletes an item within days of its expiresAt (the monitor ignores it from
        # then on): https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html
        return aws.dynamodb.Table(
            f"{name}-submissions",
            billing_mode="PAY_PER_REQUEST",
            hash_key=contract.SUBMISSION_KEY,
            attributes=[aws.dynamodb.TableAttributeArgs(name=contract.SUBMISSION_KEY, type="S")],
            ttl=aws.dynamodb.TableTtlArgs(
                attribute_name=contract.SUBMISSION_EXPIRES_AT_FIELD, enabled=True
            ),
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(enabled=True),
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(
                enabled=settings.point_in_time_recovery
            ),
            deletion_protection_enabled=settings.deletion_protection,
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=settings.deletion_protection),
        )
