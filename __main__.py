"""The order pipeline for one stack: read its settings once, then compose the components."""

import pulumi

from components.order_queue import OrderQueue, OrderQueueArgs
from components.order_store import OrderStore, OrderStoreArgs
from settings import load_settings
from settings.pulumi_source import aws_region, project_config

# Bad config stops the program here, before any resource is registered.
settings = load_settings(
    project_config(), project=pulumi.get_project(), stack=pulumi.get_stack(), region=aws_region()
)

store = OrderStore("orders", OrderStoreArgs(settings=settings.store))
queue = OrderQueue(
    "orders",
    OrderQueueArgs(
        table_name=store.table_name,
        table_arn=store.table_arn,
        processor=settings.processor,
        functions=settings.functions,
        environment_name=settings.environment,
        region=settings.region,
    ),
)

pulumi.export("environment", settings.environment)
pulumi.export("tableName", store.table_name)
pulumi.export("queueUrl", queue.queue.url)
pulumi.export("deadLetterQueueUrl", queue.dead_letter_queue.url)
pulumi.export("processorFunctionName", queue.processor.function.name)
