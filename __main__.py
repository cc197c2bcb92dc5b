"""The order pipeline for one stack: read its settings once, then compose the components.

Each component is built only from what the ones before it expose (names, ARNs, URLs): the
store, the queue and processor that fill it, the API in front of the queue, the notifier on
the store's stream, and monitoring, which takes the `watch` each of the four exposes.
"""

import pulumi

from components.monitoring import Monitoring, MonitoringArgs
from components.notifier import Notifier, NotifierArgs
from components.order_api import OrderApi, OrderApiArgs
from components.order_queue import OrderQueue, OrderQueueArgs
from components.order_store import OrderStore, OrderStoreArgs
from components.tags import tag_every_resource
from settings import load_settings
from settings.pulumi_source import aws_region, project_config

# Bad config stops the program here, before any resource is registered.
settings = load_settings(
    project_config(), project=pulumi.get_project(), stack=pulumi.get_stack(), region=aws_region()
)
functions = settings.function_context
tag_every_resource(settings.tags)  # before the first resource: each one says whose it is

store = OrderStore("orders", OrderStoreArgs(settings=settings.store))
queue = OrderQueue(
    "orders",
    OrderQueueArgs(
        table_name=store.table_name,
        table_arn=store.table_arn,
        submissions_table_name=store.submissions_table_name,
        submissions_table_arn=store.submissions_table_arn,
        processor=settings.processor,
        functions=functions,
    ),
)
api = OrderApi(
    "orders",
    OrderApiArgs(
        queue_arn=queue.queue_arn,
        queue_url=queue.queue_url,
        table_name=store.table_name,
        table_arn=store.table_arn,
        customer_index_arn=store.customer_index_arn,
        submission_index_arn=store.submission_index_arn,
        submissions_table_name=store.submissions_table_name,
        submissions_table_arn=store.submissions_table_arn,
        settings=settings.api,
        functions=functions,
    ),
)
notifier = Notifier(
    "orders",
    NotifierArgs(
        table_stream_arn=store.stream_arn, settings=settings.notifier, functions=functions
    ),
)

# Last: it watches what every other component created, by the names CloudWatch knows them by.
monitoring = Monitoring(
    "orders",
    MonitoringArgs(
        settings=settings.monitoring,
        name_prefix=f"{settings.project}-{settings.stack}",
        # The dimension the handlers put on their metrics is the one their functions were given.
        environment_name=functions.environment_name,
        region=functions.region,
        store=store.watch,
        queue=queue.watch,
        api=api.watch,
        notifier=notifier.watch,
    ),
)

pulumi.export("environment", settings.environment)
pulumi.export("tableName", store.table_name)
pulumi.export("queueUrl", queue.queue_url)
pulumi.export("deadLetterQueueUrl", queue.dead_letter_queue_url)
pulumi.export("processorFunctionName", queue.processor_function_name)
pulumi.export("apiUrl", api.url)
pulumi.export("topicArn", notifier.topic_arn)
pulumi.export("dashboardName", monitoring.dashboard_name)
pulumi.export("alarmTopicArn", monitoring.alarm_topic_arn)
