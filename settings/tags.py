"""The tags every taggable resource carries: whose it is, plus the stack's own `tags`.

AWS's rules for user tags, the same across services that tag
(https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions,
https://docs.aws.amazon.com/IAM/latest/APIReference/API_Tag.html): keys of 1..128 and
values of 0..256 characters, each a Unicode letter, number or space or one of `_.:/=+-@`;
neither may start with `aws:` in any case; at most 50 per resource. IAM refuses two keys
that differ only in case on one role
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html#case-sensitivity), and every
role of the stack is tagged, so the keys must differ regardless of case.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from types import MappingProxyType

from settings.config_reader import ConfigReader
from settings.errors import ConfigError

TAGS_KEY = "tags"
# Every taggable resource says which project, stack and environment it belongs to.
REQUIRED_TAG_KEYS = ("project", "stack", "environment")
MAX_TAGS_PER_RESOURCE = 50
MAX_KEY_LENGTH = 128
MAX_VALUE_LENGTH = 256
RESERVED_PREFIX = "aws:"
ALLOWED_SYMBOLS = frozenset("_.:/=+-@")
# Unicode's letters (L*), numbers (N*) and separators (Z*, spaces): AWS's \p{L}\p{N}\p{Z}.
ALLOWED_CATEGORIES = frozenset("LNZ")


def _refused_character(text: str) -> str | None:
    return next(
        (
            character
            for character in text
            if character not in ALLOWED_SYMBOLS
            and unicodedata.category(character)[0] not in ALLOWED_CATEGORIES
        ),
        None,
    )


def _check(key: str, value: str) -> None:
    """Why AWS would refuse the tag `key`, as a ConfigError naming it."""

    def refuse(problem: str) -> ConfigError:
        return ConfigError(TAGS_KEY, f"tag {key!r} {problem}")

    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise refuse(f"has a key of {len(key)} characters; AWS takes 1..{MAX_KEY_LENGTH}")
    if len(value) > MAX_VALUE_LENGTH:
        raise refuse(
            f"has a value of {len(value)} characters; AWS takes at most {MAX_VALUE_LENGTH}"
        )
    for part, text in (("key", key), ("value", value)):
        if text.lower().startswith(RESERVED_PREFIX):
            raise refuse(f"{part} starts with {RESERVED_PREFIX!r}, which AWS reserves for itself")
        refused = _refused_character(text)
        if refused is not None:
            raise refuse(
                f"{part} has {refused!r}: AWS takes letters, numbers, spaces and "
                f"{' '.join(sorted(ALLOWED_SYMBOLS))}"
            )


def read_tags(
    config: ConfigReader, *, project: str, stack: str, environment: str
) -> Mapping[str, str]:
    """The required tags with the stack's own `tags` added, each checked against AWS's rules."""
    required = dict(zip(REQUIRED_TAG_KEYS, (project, stack, environment), strict=True))
    extra = config.string_map(TAGS_KEY)
    keys_by_case = {key.lower(): key for key in required}
    for key in extra:
        if key in required:
            raise ConfigError(
                TAGS_KEY,
                f"tag {key!r} is the program's own: {', '.join(REQUIRED_TAG_KEYS)} always "
                "say whose a resource is",
            )
        other = keys_by_case.setdefault(key.lower(), key)
        if other != key:
            raise ConfigError(
                TAGS_KEY, f"tag {key!r} differs from {other!r} only in case, which IAM refuses"
            )
    tags = {**required, **extra}
    if len(tags) > MAX_TAGS_PER_RESOURCE:
        raise ConfigError(
            TAGS_KEY,
            f"has {len(extra)} tags; with the program's {len(required)} that is {len(tags)}, "
            f"over AWS's {MAX_TAGS_PER_RESOURCE} per resource",
        )
    for key, value in tags.items():
        _check(key, value)
    return MappingProxyType(tags)
