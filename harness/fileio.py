"""Durable file writes: a reader sees the old file or the new one, never half of one.

A whole-file write goes to a temporary file in the same directory (a unique name: process id
plus random, so two writers never share one), is fsync'ed, renamed over the target, and the
directory is fsync'ed so the rename itself survives a power cut. Any failure (a full disk, a
read-only folder, a signal) removes the temporary file and leaves the target as it was, and is
raised as `WriteFailed` naming the target (a clean message, no traceback). A set of files (a
comparison's tables, a meta-evaluation's results) is written whole or not at all.

Every text written here passes through harness/redaction.py: no registered secret (an API key,
a URL's password) reaches a file, whatever the caller wrote.

Two processes that must not write one thing at once (a generation cache, a run folder) take a
`FileLock`: an flock on a lock file beside it, which the kernel drops when its holder ends, even
by SIGKILL, so a killed holder never blocks the next one.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harness.errors import InputError, WriteFailed
from harness.redaction import redact

TMP_SUFFIX = ".tmp"
StrPath = str | os.PathLike[str]  # a path as a caller holds it: a str or a Path


def fsync_dir(path: StrPath) -> None:
    """Make the directory's entries (a create, rename or unlink in it) durable."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError:  # some filesystems cannot fsync a folder; the data itself is already synced
        pass
    finally:
        os.close(fd)


def temporary_name(path: Path) -> Path:
    """A name beside `path` that no other writer uses: `.NAME.<pid>.<random>.tmp`."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TMP_SUFFIX}")


def _write_temporary(path: Path, chunks: Iterable[str | bytes]) -> Path:
    tmp = temporary_name(path)
    try:
        with open(tmp, "xb") as f:
            for chunk in chunks:
                f.write(redact(chunk).encode("utf-8") if isinstance(chunk, str) else chunk)
            f.flush()
            os.fsync(f.fileno())
    except BaseException as e:
        discard(tmp)
        raise failed_write(e, path) from e
    return tmp


def discard(path: Path) -> None:
    """Remove a temporary file if it is there; a folder that refuses (read-only) keeps nothing to remove."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


def failed_write(error: BaseException, path: Path) -> BaseException:
    """An OSError as `WriteFailed` naming the file the user knows (not the temporary); other errors as they are."""
    if isinstance(error, OSError) and not isinstance(error, WriteFailed) and error.errno is not None:
        return WriteFailed(error.errno, error.strerror, str(path))
    return error


def atomic_write_chunks(path: StrPath, chunks: Iterable[str | bytes]) -> None:
    """Replace `path` with the concatenated chunks, atomically and durably."""
    atomic_write_set({Path(path): chunks})


def atomic_write_set(files: Mapping[Path, Iterable[str | bytes]]) -> None:
    """Replace every file of `files` with its chunks: all are written to temporaries first, then
    renamed, so a failure while writing (a full disk) leaves every target as it was."""
    temporaries: dict[Path, Path] = {}
    try:
        for path, chunks in files.items():
            temporaries[Path(path)] = _write_temporary(Path(path), chunks)
        for path, tmp in temporaries.items():
            try:
                os.replace(tmp, path)
            except BaseException as e:
                raise failed_write(e, path) from e
    finally:
        for tmp in temporaries.values():
            discard(tmp)
    for parent in {path.parent for path in temporaries}:
        fsync_dir(parent)


def atomic_write_text(path: StrPath, text: str) -> None:
    atomic_write_chunks(path, [text])


def atomic_write_bytes(path: StrPath, data: bytes) -> None:
    atomic_write_chunks(path, [data])


def atomic_write_json(path: StrPath, obj: object) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")


def atomic_write_jsonl(path: StrPath, rows: Iterable[dict[str, Any]]) -> None:
    atomic_write_chunks(path, (json.dumps(row, ensure_ascii=False) + "\n" for row in rows))


def create_exclusive_text(path: StrPath, text: str) -> bool:
    """Write `path` only if it does not exist yet; False (nothing written) when it does.

    The content is complete before the name appears (hard link of a finished temporary file),
    so a reader never sees a partial file and two writers never both win.
    """
    path = Path(path)
    tmp = _write_temporary(path, [text])
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    except OSError as e:
        raise failed_write(e, path) from e
    finally:
        discard(tmp)
    fsync_dir(path.parent)
    return True


def create_exclusive_set(files: Mapping[Path, str]) -> bool:
    """Create every file of `files` exclusively, or none: False (nothing left) when one exists
    already; any other failure (a full disk) removes the ones created, then raises."""
    created: list[Path] = []
    try:
        for path, text in files.items():
            if not create_exclusive_text(path, text):
                break
            created.append(Path(path))
        else:
            return True
    except BaseException:
        remove(created)
        raise
    remove(created)
    return False


def remove(paths: Iterable[Path]) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)


def write_numbered_set(
    folder: Path,
    stem: str,
    contents: Callable[[str], dict[str, str]],
    force: bool = False,
    taken: Callable[[str], bool] = lambda stem: False,
) -> tuple[str, list[Path]]:
    """Write the files `contents(stem)` names in `folder`, whole or not at all. An existing set is
    never replaced unless `force`: the new one takes the first free numbered stem (`stem-1`, ...;
    `taken(stem)` may call a stem used for other reasons). Returns the stem and the files."""
    make_dirs(folder)
    for n in range(10_000):
        name = stem if n == 0 else f"{stem}-{n}"
        files = {folder / file: text for file, text in contents(name).items()}
        if force:
            atomic_write_set({path: [text] for path, text in files.items()})
            return name, list(files)
        if not taken(name) and create_exclusive_set(files):
            return name, list(files)
    raise FileExistsError(f"{folder}: 10000 sets named {stem}-N exist already")


def check_output_folder(path: Path, option: str = "--out") -> None:
    """An output folder given on the command line, checked before any work: not a file, nor under one."""
    for candidate in [path, *path.parents]:
        if candidate.exists():
            if not candidate.is_dir():
                raise InputError(f"{option} {path}: {candidate} is a file, not a folder")
            return


def make_dirs(path: Path) -> None:
    """`mkdir -p`; a failure (a read-only or full disk) is a `WriteFailed` naming the folder."""
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise failed_write(e, Path(path)) from e


def create_unique_text(path: StrPath, text: str) -> Path:
    """Write `text` to `path`, or to `stem-1.ext`, `stem-2.ext`, ... when taken; returns the name used."""
    path = Path(path)
    for n in range(10_000):
        candidate = path if n == 0 else path.with_name(f"{path.stem}-{n}{path.suffix}")
        if create_exclusive_text(candidate, text):
            return candidate
    raise FileExistsError(f"{path}: 10000 files of this name exist already")


def append_line_durably(path: StrPath, line: str | bytes) -> None:
    """Append one line with a single write, flushed and fsync'ed before returning.

    A new file's directory entry is fsync'ed too. A trailing newline is optional (one is
    written); a newline inside the line is refused, since a reader would see two records.
    """
    append_lines_durably(path, [line])


def append_lines_durably(path: StrPath, lines: Sequence[str | bytes]) -> None:
    """Append lines with a single write and one fsync (group commit): a kill during the write
    leaves whole lines and at most one torn last line, never a line spliced into another."""
    path = Path(path)
    chunks = []
    for line in lines:
        data = redact(line).encode("utf-8") if isinstance(line, str) else bytes(line)
        data = data[:-1] if data.endswith(b"\n") else data
        if b"\n" in data:
            raise ValueError(f"{path}: a line to append contains a newline")
        chunks.append(data + b"\n")
    if not chunks:
        return
    created = not path.exists()
    with open(path, "ab") as f:
        f.write(b"".join(chunks))
        f.flush()
        os.fsync(f.fileno())
    if created:
        fsync_dir(path.parent)


def make_unique_dir(parent: StrPath, name: str) -> Path:
    """Create `parent/name` (or `name_1`, `name_2`, ... when taken) exclusively; returns it.

    `os.mkdir` fails when the folder exists, so two processes never get the same folder.
    """
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    for n in range(10_000):
        candidate = parent / (name if n == 0 else f"{name}_{n}")
        try:
            os.mkdir(candidate)
        except FileExistsError:
            continue
        fsync_dir(parent)
        return candidate
    raise FileExistsError(f"{parent / name}: 10000 folders of this name exist already")


def leftover_temporaries(folder: StrPath) -> list[Path]:
    """Temporary files under `folder` (a run's own and the legacy fixed `.tmp` names)."""
    return sorted(p for p in Path(folder).rglob(f"*{TMP_SUFFIX}") if p.is_file())


_WRITER_PID = re.compile(r"\.(\d+)\.[0-9a-f]{8}" + re.escape(TMP_SUFFIX) + "$")


def remove_dead_temporaries(folder: StrPath) -> list[Path]:
    """Remove the temporary files in `folder` whose writer no longer runs (a SIGKILL mid-write
    leaves one behind; the target itself is intact). A live writer's file stays. Returns what went."""
    removed = []
    for path in leftover_temporaries(folder):
        match = _WRITER_PID.search(path.name)
        if match and not _running(int(match.group(1))):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


class FileLock:
    """An exclusive flock on a lock file (created if missing, never removed: removing it would let
    a second holder lock a new file while the first still holds the old one), re-entrant within
    one holder. `on_wait` is called when another process holds it, before waiting for it; it may
    raise to refuse at once instead (nothing is held then). A symbolic link in the lock file's
    place is never followed (OSError ELOOP): a link planted in a shared folder would make the
    lock create or open a file elsewhere."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None
        self._depth = 0

    def acquire(self, on_wait: Callable[[], None] | None = None) -> None:
        if self._depth == 0:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    if on_wait is not None:
                        on_wait()
                    fcntl.flock(fd, fcntl.LOCK_EX)
            except BaseException:
                os.close(fd)
                raise
            self._fd = fd
        self._depth += 1

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @contextmanager
    def held(self, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
        self.acquire(on_wait)
        try:
            yield
        finally:
            self.release()
