"""The stack's validated, typed settings: read once in `__main__.py`, passed down."""

from settings.errors import ConfigError
from settings.stack_settings import Settings, load_settings

__all__ = ["ConfigError", "Settings", "load_settings"]
