"""The one error bad stack configuration raises."""


class ConfigError(ValueError):
    """Raised before any resource exists; the message names the offending key."""

    def __init__(self, key: str, problem: str) -> None:
        qualified = key if ":" in key else f"order-pipeline:{key}"
        super().__init__(f"invalid stack config {qualified!r}: {problem}")
        self.key = key
