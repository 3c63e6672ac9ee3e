"""Settings that name an environment variable (`api_key_env`, ...): how a name is told apart
from a pasted key, and how a message refers to it without echoing a secret."""

from __future__ import annotations

import os
import re

from harness.errors import ConfigError
from harness.redaction import url_credentials

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # what a shell accepts as a variable name
CONVENTIONAL = re.compile(r"[A-Z][A-Z0-9_]*")  # OPENAI_API_KEY: safe to repeat in a message
MAX_SHOWN_CHARS = 40  # longer names look like keys (a key can be a valid identifier)


# Option names that hold a credential; such a value in a config would be written to config.yaml,
# run.json and the metric's signature, so only `<name>_env` (the variable's name) is accepted.
# `token` alone or as access/auth/api/hf/bearer_token: `eos_token`, `newline_token` are text.
SECRET_KEY = re.compile(
    r"(?:^|_)(?:api_?key|apikey|secret|password|passwd|credentials?|(?:access|auth|api|hf|bearer)_token)(?:$|_)|^token$",
    re.IGNORECASE,
)


def is_secret_key(key: str) -> bool:
    return bool(SECRET_KEY.search(key)) and not is_env_name_key(key)


def secret_value_error(where: str) -> str:
    """The message for a credential written into a config; the value is never part of it."""
    return (
        f"{where}: looks like a credential written into the config (the value is not shown). A config is "
        "saved with every run (config.yaml, run.json, the metric's signature): put the secret in an "
        f"environment variable and give its NAME in an option such as '{where.rsplit('.', 1)[-1]}_env'."
    )


def is_env_name_key(key: str) -> bool:
    """Keys that hold the NAME of an environment variable (api_key_env, ...)."""
    return key.split(".")[-1].endswith("_env")


# A part of a name like a key's random run (SK_ATTACK_8C43FC7B37153A8A2BAF11B6): 12+ letters and
# digits with 3+ digits among them. Variable names are made of words (OPENAI_API_KEY, HF_TOKEN_2).
KEY_LIKE_PART = re.compile(r"(?=[A-Za-z0-9]*(?:[0-9][A-Za-z]*){3})[A-Za-z0-9]{12,}")


def shown(name: str) -> bool:
    """Whether a variable's name may be repeated in a message: it looks like a name, not a key."""
    return (
        bool(CONVENTIONAL.fullmatch(name))
        and len(name) <= MAX_SHOWN_CHARS
        and not any(KEY_LIKE_PART.fullmatch(part) for part in name.split("_"))
    )


def variable(where: str, name: str) -> str:
    """'the environment variable OPENAI_API_KEY', or, for a name that may be a pasted key,
    'the environment variable named by model.api_key_env' (the value never echoed)."""
    if shown(name):
        return f"the environment variable {name}"
    return f"the environment variable named by {where}"


def unset_message(where: str, name: str, holds: str = "the API key") -> str:
    message = f"{where}: {variable(where, name)} is not set (it should hold {holds})."
    if not shown(name):
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


# Environment variables whose names say they hold a credential: OPENAI_API_KEY, HF_TOKEN,
# GITHUB_TOKEN, DB_PASSWORD, MY_SECRET, AWS_SECRET_ACCESS_KEY, ANTHROPIC_KEY, ... Whole parts of the
# name (TOKENIZERS_PARALLELISM, XAUTHORITY are not; nor PWD, the working folder, nor SSH_AUTH_SOCK:
# a value blanked by mistake can be a path a run needs). Wider than SECRET_KEY, which must let
# option names such as `eos_token` through.
CREDENTIAL_VARIABLE = re.compile(
    r"(?i)(?:^|_)(?:api_?key|apikey|tokens?|secrets?|passw(?:or)?d|credentials?|private_?key)(?:$|_)|_key$"
)


def config_secrets(config: object, environ: dict[str, str] | None = None) -> set[str]:
    """The secret values a composed config brings into a run: what the variables named by its
    `*_env` options hold, credential-named variables whose value was interpolated into an option
    (`${oc.env:MY_TOKEN}`), and the user, password and key of every URL in it."""
    environ = dict(os.environ) if environ is None else environ
    found = {text_value(path, name, environ[name]) for path, name in env_settings(config) if environ.get(name)}
    texts = list(_strings(config))
    for text in texts:
        if "://" in text or "=" in text:
            found.update(url_credentials(text))
    for name, value in credential_variables(environ).items():
        if any(value.strip() in text for text in texts):
            found.add(text_value(f"${{oc.env:{name}}}", name, value))
    return found


def text_value(where: str, name: str, value: str) -> str:
    """The value of a credential variable the run uses, refused when it holds bytes that are not
    UTF-8 (Python holds them as surrogates, which no file, header or message can carry)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ConfigError(
            f"{where}: {variable(where, name)} holds bytes that are not UTF-8 text; the value is not "
            "shown. A key is plain text: set the variable again."
        ) from None
    return value


def credential_variables(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The set environment variables whose names say they hold a credential."""
    environ = dict(os.environ) if environ is None else environ
    return {name: value for name, value in environ.items() if value.strip() and CREDENTIAL_VARIABLE.search(name)}


def _strings(node: object):
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node
