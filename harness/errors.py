"""Errors a user can act on; the CLI prints them without a traceback."""


class HarnessError(Exception):
    """Base class: a message meant for the user."""


class ConfigError(HarnessError):
    """A config is invalid (unknown key, unknown name, wrong type)."""


class InputError(HarnessError):
    """An input file or record is unusable (names file, line and field)."""


class MetricUnavailable(HarnessError):
    """A metric cannot run (missing weights or dependency): raised at start-up, never silenced."""
