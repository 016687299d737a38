"""Atomic, crash-safe index directories.

Layout of the data dir:  `current -> gen-000042/` (a symlink), plus the generation folders.
A save writes a complete new generation folder, fsyncs every file and the folder, then swaps
the `current` symlink with one rename(2). A reader resolves `current` once and reads only that
folder, so it always sees a complete index; a kill at any point leaves the old one in place.
Writers are serialized with an flock on `data/.write.lock`.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

CURRENT = "current"
LOCK = ".write.lock"


def current_dir(data_dir: Path) -> Path | None:
    link = data_dir / CURRENT
    if not link.is_symlink() and not link.is_dir():
        return None
    target = link.resolve()
    return target if target.is_dir() else None


@contextmanager
def write_lock(data_dir: Path) -> Iterator[None]:
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / LOCK).open("a") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(data_dir: Path, generation: int, write: Callable[[Path], None]) -> Path:
    """Write a new generation with `write(folder)` and make it current atomically."""
    data_dir.mkdir(parents=True, exist_ok=True)
    name = f"gen-{generation:06d}"
    final = data_dir / name
    tmp = data_dir / f".{name}.tmp"
    for stale in (tmp, final):
        if stale.exists() and stale != current_dir(data_dir):
            shutil.rmtree(stale)
    tmp.mkdir()
    write(tmp)
    for f in tmp.iterdir():
        with f.open("rb") as fh:
            os.fsync(fh.fileno())
    _fsync_dir(tmp)
    tmp.rename(final)
    link_tmp = data_dir / f".{CURRENT}.tmp"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    link_tmp.symlink_to(name)
    os.replace(link_tmp, data_dir / CURRENT)
    _fsync_dir(data_dir)
    _collect_garbage(data_dir, keep=name)
    return final


def _collect_garbage(data_dir: Path, keep: str) -> None:
    """Remove leftovers of killed writes and all but the newest two generations.

    The previous generation is kept so that a reader that resolved `current` just before the
    swap can still finish loading it.
    """
    gens = sorted(p.name for p in data_dir.glob("gen-*") if p.is_dir())
    keep_names = {keep, *gens[-2:]}
    for p in data_dir.iterdir():
        if p.name in keep_names or not p.is_dir():
            continue
        if p.name.startswith(("gen-", ".gen-")):
            shutil.rmtree(p, ignore_errors=True)
