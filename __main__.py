"""The order pipeline for one stack: read its settings once, then compose the components."""

import pulumi

from components.monitoring import Monitoring, MonitoringArgs
from components.notifier import Notifier, NotifierArgs
from components.order_api import OrderApi, OrderApiArgs
from components.order_queue import OrderQueue, OrderQueueArgs
from components.order_store import OrderStore, OrderStoreArgs
from settings import load_settings
from settings.pulumi_source import aws_region, project_config

# Bad config stops the program here, before any resource is registered.
settings = load_settings(
    project_config(), project=pulumi.get_project(), stack=pulumi.get_stack(), region=aws_region()
)
functions = settings.function_context

store = OrderStore("orders", OrderStoreArgs(settings=settings.store))
queue = OrderQueue(
    "orders",
    OrderQueueArgs(
        table_name=store.table_name,
        table_arn=store.table_arn,
        processor=settings.processor,
        functions=functions,
    ),
)
api = OrderApi(
    "orders",
    OrderApiArgs(
        queue_arn=queue.queue.arn,
        queue_url=queue.queue.url,
        table_name=store.table_name,
        table_arn=store.table_arn,
        customer_index_arn=store.customer_index_arn,
        settings=settings.api,
        functions=functions,
    ),
)
notifier = Notifier(
    "orders",
    NotifierArgs(
        table_stream_arn=store.stream_arn,
        settings=settings.notifier,
        functions=functions,
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
        table_name=store.table_name,
        queue_name=queue.queue.name,
        dead_letter_queue_name=queue.dead_letter_queue.name,
        processor_function_name=queue.processor.function.name,
        processor_timeout_seconds=settings.processor.timeout_seconds,
        api_name=api.rest_api.name,
        api_stage_name=api.stage.stage_name,
        api_function_names={
            "reader": api.reader.function.name,
            "status updater": api.status_updater.function.name,
        },
        notifier_function_name=notifier.function.function.name,
        notifier_failure_queue_name=notifier.failure_queue.name,
        events_topic_name=notifier.topic.name,
    ),
)

pulumi.export("environment", settings.environment)
pulumi.export("tableName", store.table_name)
pulumi.export("queueUrl", queue.queue.url)
pulumi.export("deadLetterQueueUrl", queue.dead_letter_queue.url)
pulumi.export("processorFunctionName", queue.processor.function.name)
pulumi.export("apiUrl", api.url)
pulumi.export("topicArn", notifier.topic.arn)
pulumi.export("dashboardName", monitoring.dashboard.dashboard_name)
pulumi.export("alarmTopicArn", monitoring.alarm_topic.arn)
