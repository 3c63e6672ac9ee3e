"""A user's YAML config file checked before Hydra loads it: a regular file of sane size, UTF-8,
one mapping, and aliases that do not expand past a bound (a "billion laughs" file would
otherwise take all memory while OmegaConf copies every alias).

`install()` puts a checking `file://` config source in Hydra's registry, so every config Hydra
reads from a folder (`--config-dir`, `hydra.searchpath`) goes through `check_yaml_file` first.
"""

from __future__ import annotations

import os
import stat
from typing import Any

import yaml

from harness.errors import ConfigError

MAX_CONFIG_BYTES = 10_000_000  # far above any config; a larger file is a mistake (a dataset?)
MAX_EXPANDED_NODES = 10_000  # nodes after aliases are expanded; shipped configs have < 200
MAX_DEPTH = 100  # mappings and lists inside each other; shipped configs go 4 deep


def check_yaml_file(path: str) -> None:
    """ConfigError naming `path` (and the line) when the file is not one plain YAML mapping."""
    try:
        info = os.stat(path)
    except OSError as e:
        raise ConfigError(f"{path}: cannot read ({e.strerror})") from None
    if not stat.S_ISREG(info.st_mode):  # a FIFO would block the read; a folder cannot be read
        raise ConfigError(f"{path}: not a regular file; a config must be a YAML file")
    if info.st_size > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: {info.st_size:,} bytes, above the {MAX_CONFIG_BYTES:,} a config file may hold")
    with open(path, "rb") as handle:
        raw = handle.read(MAX_CONFIG_BYTES + 1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}:{line}: not valid UTF-8 (byte 0x{raw[e.start]:02x}); save the config as UTF-8"
        ) from None
    check_yaml_text(text, path)


def check_yaml_text(text: str, where: str) -> None:
    """One YAML document whose top level is a mapping, aliases expanding to at most
    MAX_EXPANDED_NODES nodes; read as a stream of events, so nothing is expanded here."""
    documents = 0
    sizes: dict[str, int] = {}  # anchor -> nodes it stands for
    open_nodes: list[list[Any]] = []  # [node count, anchor] of each collection being read
    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise ConfigError(f"{where}:{_line(event)}: a second YAML document ('---'); a config holds one")
                continue
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if not open_nodes and documents == 1 and not isinstance(event, yaml.MappingStartEvent):
                    raise ConfigError(f"{where}:{_line(event)}: the top level is a list; a config must be a mapping")
                open_nodes.append([1, event.anchor])
                if len(open_nodes) > MAX_DEPTH:  # deeper would exhaust the loader's recursion
                    raise ConfigError(f"{where}:{_line(event)}: nested more than {MAX_DEPTH} levels deep")
                continue
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                size, anchor = open_nodes.pop()
                if anchor:
                    sizes[anchor] = size
                grown = _add(open_nodes, size)
            if isinstance(event, yaml.ScalarEvent):
                if not open_nodes:
                    raise ConfigError(
                        f"{where}:{_line(event)}: the top level is a single value; a config must be a mapping"
                    )
                grown = _add(open_nodes, 1)
                if event.anchor:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor not in sizes:  # also an alias inside its own anchor: a cycle
                    raise ConfigError(
                        f"{where}:{_line(event)}: not valid YAML: alias *{event.anchor} names no anchor before it"
                    )
                grown = _add(open_nodes, sizes[event.anchor])
            else:
                continue
            if grown > MAX_EXPANDED_NODES:  # a collection holds at most what its document holds
                raise ConfigError(
                    f"{where}:{_line(event)}: its aliases (*name) expand to more than {MAX_EXPANDED_NODES:,} values; "
                    "refused before expanding them (write the values out, or use fewer aliases)"
                )
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        context, start = getattr(e, "context", None), getattr(e, "context_mark", None)
        if context and start is not None:  # "while parsing a flow sequence" that opened earlier
            problem += f" ({context} from line {start.line + 1})"
        raise ConfigError(f"{where}{line}: not valid YAML: {problem}") from None
    if documents == 0:
        raise ConfigError(f"{where}: empty; a config must be a YAML mapping (key: value lines)")


def _add(open_nodes: list[list[Any]], size: int) -> int:
    """Count `size` nodes into the innermost open collection; its new count (0: at the top)."""
    if not open_nodes:
        return 0
    open_nodes[-1][0] += size
    return int(open_nodes[-1][0])


def _line(event: Any) -> int:
    return event.start_mark.line + 1 if event.start_mark is not None else 1


def install() -> None:
    """Make Hydra read folders through `CheckedFileConfigSource` (idempotent)."""
    from harness.config import hydra_internals

    hydra_internals.use_file_source(_checked_source())


_SOURCE: Any = None


def _checked_source() -> Any:
    global _SOURCE
    if _SOURCE is None:
        from harness.config.hydra_internals import FileConfigSource

        class CheckedFileConfigSource(FileConfigSource):
            def load_config(self, config_path: str) -> Any:
                full_path = os.path.realpath(os.path.join(self.path, self._normalize_file_name(config_path)))
                if os.path.exists(full_path):
                    check_yaml_file(full_path)
                return super().load_config(config_path)

        # A launcher's worker re-registers Hydra's own sources (Singleton.set_state) and refuses a
        # `file` source of another class name; under the same name it keeps this one.
        CheckedFileConfigSource.__name__ = FileConfigSource.__name__
        CheckedFileConfigSource.__qualname__ = FileConfigSource.__qualname__
        _SOURCE = CheckedFileConfigSource
    return _SOURCE
