"""The whole stack's settings and the one function that reads them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from settings.api import ApiSettings
from settings.config_reader import ConfigReader
from settings.core import FunctionContext, FunctionSettings, ProcessorSettings, StoreSettings
from settings.errors import ConfigError
from settings.monitoring import MonitoringSettings
from settings.notifier import NotifierSettings
from settings.tags import read_tags

ENVIRONMENTS = ("dev", "prod")


@dataclass(frozen=True)
class Settings:
    project: str
    stack: str
    environment: str
    region: str
    functions: FunctionSettings
    store: StoreSettings
    processor: ProcessorSettings
    api: ApiSettings
    monitoring: MonitoringSettings
    notifier: NotifierSettings
    tags: Mapping[str, str]
    """What every taggable resource is tagged with: project, stack, environment and `tags`."""

    @property
    def function_context(self) -> FunctionContext:
        return FunctionContext(self.functions, self.environment, self.region)


def load_settings(raw: Mapping[str, str], *, project: str, stack: str, region: str) -> Settings:
    """Validate the `order-pipeline:*` keys (without their prefix) into Settings.

    `environment` defaults to the stack name, so `pulumi stack select dev|prod` needs no
    extra step, while any other stack name has to say which defaults it wants.
    """
    environment = raw.get("environment", stack)
    if environment not in ENVIRONMENTS:
        raise ConfigError(
            "environment",
            f"{environment!r} is not one of {', '.join(ENVIRONMENTS)} "
            "(it defaults to the stack name)",
        )
    if not region:
        raise ConfigError("aws:region", "is not set; run `pulumi config set aws:region <region>`")
    config = ConfigReader(raw, environment)
    config.one_of("environment", environment, ENVIRONMENTS)
    settings = Settings(
        project=project,
        stack=stack,
        environment=environment,
        region=region,
        functions=FunctionSettings.read(config),
        store=StoreSettings.read(config),
        processor=ProcessorSettings.read(config),
        api=ApiSettings.read(config),
        monitoring=MonitoringSettings.read(config),
        notifier=NotifierSettings.read(config),
        tags=read_tags(config, project=project, stack=stack, environment=environment),
    )
    config.reject_unread()
    return settings
