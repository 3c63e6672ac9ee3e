"""Settings that name an environment variable (`api_key_env`, ...): how a name is told apart
from a pasted key, and how a message refers to it without echoing a secret."""

from __future__ import annotations

import re

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # what a shell accepts as a variable name
CONVENTIONAL = re.compile(r"[A-Z][A-Z0-9_]*")  # OPENAI_API_KEY: safe to repeat in a message
MAX_SHOWN_CHARS = 40  # longer names look like keys (a key can be a valid identifier)


def is_env_name_key(key: str) -> bool:
    """Keys that hold the NAME of an environment variable (api_key_env, ...)."""
    return key.split(".")[-1].endswith("_env")


def variable(where: str, name: str) -> str:
    """'the environment variable OPENAI_API_KEY', or, for a name that may be a pasted key,
    'the environment variable named by model.api_key_env' (the value never echoed)."""
    if CONVENTIONAL.fullmatch(name) and len(name) <= MAX_SHOWN_CHARS:
        return f"the environment variable {name}"
    return f"the environment variable named by {where}"


def unset_message(where: str, name: str, holds: str = "the API key") -> str:
    message = f"{where}: {variable(where, name)} is not set (it should hold {holds})."
    if not (CONVENTIONAL.fullmatch(name) and len(name) <= MAX_SHOWN_CHARS):
        message += (
            " The name is not shown, in case it is the key itself: put the key in an environment "
            "variable (e.g. OPENAI_API_KEY) and give that variable's name."
        )
    return message


def env_settings(node: object, where: str = ""):
    """(dotted path, value) of every `*_env` key holding a string, anywhere in a config."""
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{where}.{key}" if where else str(key)
            if is_env_name_key(str(key)) and isinstance(value, str) and value:
                yield path, value
            yield from env_settings(value, path)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from env_settings(value, f"{where}[{i}]")
