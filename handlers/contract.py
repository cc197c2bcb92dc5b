"""Names shared by the infrastructure program and the handlers.

The program sets these environment variables and table attributes; the handlers read
them. Defining them once keeps the two sides from drifting apart.
"""

from typing import Final

ORDERS_TABLE_ENV: Final = "ORDERS_TABLE_NAME"
SUBMISSIONS_TABLE_ENV: Final = "SUBMISSIONS_TABLE_NAME"
DEAD_LETTER_QUEUE_URL_ENV: Final = "DEAD_LETTER_QUEUE_URL"
ENVIRONMENT_ENV: Final = "ORDER_PIPELINE_ENVIRONMENT"

# EMF business metrics. Powertools adds a `service` dimension (POWERTOOLS_SERVICE_NAME)
# and every handler adds `environment`, so dashboards and alarms must name both.
METRICS_NAMESPACE: Final = "OrderPipeline"
ENVIRONMENT_DIMENSION: Final = "environment"
REJECTION_REASON_DIMENSION: Final = "reason"
ORDERS_STORED_METRIC: Final = "OrdersStored"
DUPLICATE_ORDERS_METRIC: Final = "DuplicateOrders"
ORDERS_REJECTED_METRIC: Final = "OrdersRejected"
ORDER_RETRIES_METRIC: Final = "OrderRetries"
NOTIFICATIONS_PUBLISHED_METRIC: Final = "NotificationsPublished"
# The `service` dimension: each function's POWERTOOLS_SERVICE_NAME.
PROCESSOR_SERVICE_NAME: Final = "order-processor"
NOTIFIER_SERVICE_NAME: Final = "order-notifier"
READER_SERVICE_NAME: Final = "order-reader"
STATUS_UPDATER_SERVICE_NAME: Final = "order-status-updater"

ORDER_KEY: Final = "orderId"
CUSTOMER_INDEX_NAME: Final = "customerId-createdAt"
CUSTOMER_INDEX_PARTITION_KEY: Final = "customerId"
CUSTOMER_INDEX_SORT_KEY: Final = "createdAt"
# What a status change reads and writes besides the key: the optimistic lock and its stamp.
ORDER_STATUS_FIELD: Final = "status"
ORDER_VERSION_FIELD: Final = "version"
ORDER_UPDATED_AT_FIELD: Final = "updatedAt"

# The API's Lambda-served resources, as API Gateway names the matched one in a proxy event.
ORDER_RESOURCE: Final = "/orders/{orderId}"
CUSTOMER_ORDERS_RESOURCE: Final = "/customers/{customerId}/orders"
SUBMISSION_RESOURCE: Final = "/submissions/{submissionId}"
SUBMISSION_PARAMETER: Final = "submissionId"

# Submission outcomes (docs/api.md, "Following a submission"). A stored order carries the
# request id of the submission that stored it, found through a keys-only index; only what
# the order table cannot say (a rejection, an identical re-submission) is written to the
# submissions table, keyed by request id, and deleted by TTL after the retention below: as
# long as a dead letter can wait for a redrive (settings.core.DEAD_LETTER_RETENTION_DAYS).
ORDER_REQUEST_ID_FIELD: Final = "requestId"
SUBMISSION_INDEX_NAME: Final = "requestId"
SUBMISSION_KEY: Final = "requestId"
SUBMISSION_EXPIRES_AT_FIELD: Final = "expiresAt"
SUBMISSION_RETENTION_DAYS: Final = 14

# Message attributes carried from the API edge into SQS and on into the DLQ.
REQUEST_ID_ATTRIBUTE: Final = "requestId"
RECEIVED_AT_ATTRIBUTE: Final = "receivedAt"
REJECTION_REASON_ATTRIBUTE: Final = "rejectionReason"
REJECTION_DETAIL_ATTRIBUTE: Final = "rejectionDetail"
SOURCE_MESSAGE_ID_ATTRIBUTE: Final = "sourceMessageId"

# Order events on the notifications topic (docs/notifications.md; their contract is
# handlers/order_event.schema.json): the event types and the message attributes subscribers'
# filter policies match on.
ORDER_EVENTS_TOPIC_ARN_ENV: Final = "ORDER_EVENTS_TOPIC_ARN"
ORDER_CREATED_EVENT: Final = "OrderCreated"
ORDER_STATUS_CHANGED_EVENT: Final = "OrderStatusChanged"
EVENT_TYPE_ATTRIBUTE: Final = "eventType"
STATUS_ATTRIBUTE: Final = "status"
CUSTOMER_ID_ATTRIBUTE: Final = "customerId"
