"""Private files under ALLIANCE_HOME: 0700 directories, 0600 files, as ssh keeps its keys.

The database (and its -wal/-shm), the data key, backups and everything else under the home
hold clinical data or the means to read it; no other account on the machine may read them.
Plain `os`/`stat` only: the command line uses this before Django starts.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

PRIVATE_UMASK = 0o077
DIRECTORY_MODE = 0o700
FILE_MODE = 0o600
# Group and other may do nothing at all.
OPEN_BITS = stat.S_IRWXG | stat.S_IRWXO


@dataclass(frozen=True)
class OpenPath:
    """A path whose mode lets other accounts in."""

    path: Path
    mode: int
    wanted: int

    def warning(self) -> str:
        kind = "directory" if self.wanted == DIRECTORY_MODE else "file"
        return (
            f"WARNING: UNPROTECTED {kind.upper()}! Permissions {self.mode:04o} for "
            f"'{self.path}' are too open: other accounts on this machine can read it. "
            f"It must be {self.wanted:04o}."
        )


# What Alliance keeps in ALLIANCE_HOME; other things there (if someone points it at a folder
# they share with other work) are left as they are, though the 0700 home already hides them.
OWN_ENTRIES = (
    "alliance.sqlite3",
    "alliance.sqlite3-wal",
    "alliance.sqlite3-shm",
    "alliance.sqlite3-journal",
    "data.key",
    "backups",
    "static",
    "instruments",
)


def private_paths(home: Path, extra: Iterable[Path] = ()) -> Iterator[Path]:
    """Yield `home`, Alliance's entries in it and all under them (links not followed), and
    the `extra` files."""
    if home.is_dir():
        yield home
        for entry in OWN_ENTRIES:
            path = home / entry
            if path.is_symlink() or not path.exists():
                continue
            yield path
            if path.is_dir():
                for root, dirs, files in os.walk(path):
                    for name in dirs + files:
                        yield Path(root) / name
    for path in extra:
        if path.exists() and not path.is_relative_to(home):
            yield path


def open_paths(paths: Iterable[Path]) -> list[OpenPath]:
    """Return the paths that group or other may read, write or enter."""
    found = []
    for path in paths:
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue  # a -wal or -shm file may go between the listing and the stat
        if stat.S_ISLNK(info.st_mode):
            continue
        mode = stat.S_IMODE(info.st_mode)
        if mode & OPEN_BITS:
            wanted = DIRECTORY_MODE if stat.S_ISDIR(info.st_mode) else FILE_MODE
            found.append(OpenPath(path, mode, wanted))
    return found


def tighten(found: Iterable[OpenPath]) -> None:
    """Take group and other's rights away from each path (the owner's stay as they were)."""
    for item in found:
        item.path.chmod(item.mode & ~OPEN_BITS)


def sqlite_files(database: str | os.PathLike[str] | None) -> list[Path]:
    """The SQLite database file and the -wal/-shm files beside it."""
    if not database or str(database) == ":memory:":
        return []
    path = Path(database)
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
