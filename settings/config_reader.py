"""Typed, checked access to the raw `order-pipeline:*` config strings."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TypeVar

from settings.errors import ConfigError

T = TypeVar("T")


class ConfigReader:
    """Reads keys once each, so keys nobody read can be reported as typos."""

    def __init__(self, raw: Mapping[str, str], environment: str) -> None:
        self._raw = dict(raw)
        self._read: set[str] = set()
        self.environment = environment

    def _take(self, key: str) -> str | None:
        self._read.add(key)
        return self._raw.get(key)

    def by_environment(self, dev: T, prod: T) -> T:
        return prod if self.environment == "prod" else dev

    def integer(self, key: str, default: int, minimum: int, maximum: int) -> int:
        text = self._take(key)
        if text is None:
            return default
        try:
            value = int(text)
        except ValueError:
            raise ConfigError(key, f"{text!r} is not a whole number") from None
        if not minimum <= value <= maximum:
            raise ConfigError(key, f"{value} is outside {minimum}..{maximum}")
        return value

    def one_of(self, key: str, default: str, allowed: tuple[str, ...]) -> str:
        text = self._take(key)
        value = default if text is None else text
        if value not in allowed:
            raise ConfigError(key, f"{value!r} is not one of {', '.join(allowed)}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        text = self._take(key)
        if text is None:
            return default
        if text.lower() not in {"true", "false"}:
            raise ConfigError(key, f"{text!r} is not true or false")
        return text.lower() == "true"

    def string_list(self, key: str) -> tuple[str, ...]:
        """A JSON list of strings (`pulumi config set --path` or a YAML list)."""
        text = self._take(key)
        if text is None:
            return ()
        try:
            value = json.loads(text)
        except ValueError:
            raise ConfigError(key, "is not a JSON list of strings") from None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ConfigError(key, "is not a JSON list of strings")
        return tuple(value)

    def string_map(self, key: str) -> dict[str, str]:
        """A JSON object of strings (`pulumi config set --path` or a YAML mapping)."""
        text = self._take(key)
        if text is None:
            return {}
        try:
            value = json.loads(text)
        except ValueError:
            raise ConfigError(key, "is not a JSON object of strings") from None
        if not isinstance(value, dict):
            raise ConfigError(key, "is not a JSON object of strings")
        for name, item in value.items():
            if not isinstance(item, str):
                raise ConfigError(key, f"{name!r} is {json.dumps(item)}, not a string (quote it)")
        return value

    def reject_unread(self) -> None:
        unknown = sorted(set(self._raw) - self._read)
        if unknown:
            raise ConfigError(unknown[0], "is not a setting of this program (a typo?)")
