"""Where the raw settings come from under `pulumi up`: the stack's config."""

from __future__ import annotations

import os

import pulumi
from pulumi.runtime.config import CONFIG, get_config_env


def project_config() -> dict[str, str]:
    """Every `<project>:*` key of the stack, without the prefix.

    pulumi.Config answers only for keys one asks about; listing them all is what lets
    `load_settings` reject a misspelt key instead of silently using a default.
    """
    prefix = f"{pulumi.get_project()}:"
    everything = {**get_config_env(), **CONFIG.get()}
    return {
        key.removeprefix(prefix): str(value)
        for key, value in everything.items()
        if key.startswith(prefix)
    }


def aws_region() -> str:
    region = pulumi.Config("aws").get("region")
    return region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or ""
