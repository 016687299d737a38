"""Set-up builds llama-cpp-python for the CPU's vector units, never AMX (scripts/llama_cmake_args.sh)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "llama_cmake_args.sh"
PORTABLE = "-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF"
# this machine's CPU (a Sapphire Rapids Xeon), shortened: AVX-512, VNNI, BF16 and AMX
SAPPHIRE_RAPIDS = (
    "fpu sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2 bmi2 avx512f avx512dq avx512ifma avx512cd "
    "avx512bw avx512vl avx_vnni avx512_bf16 avx512vbmi avx512_vbmi2 avx512_vnni avx512_fp16 "
    "amx_bf16 amx_tile amx_int8"
)


def cmake_args(cpuinfo: Path) -> str:
    return subprocess.run([SCRIPT, cpuinfo], capture_output=True, text=True, check=True).stdout.strip()


def cpu(tmp_path: Path, flags: str | None) -> Path:
    """A cpuinfo file with these flags; None: no file."""
    cpuinfo = tmp_path / "cpuinfo"
    if flags is not None:
        cpuinfo.write_text(f"processor\t: 0\nmodel name\t: test\nflags\t\t: {flags}\n\nprocessor\t: 1\n")
    return cpuinfo


def test_avx512_cpu_gets_its_vector_units_but_never_amx(tmp_path: Path) -> None:
    args = cmake_args(cpu(tmp_path, SAPPHIRE_RAPIDS))
    assert args.split() == [
        *PORTABLE.split(),
        "-DGGML_AVX512=ON",
        "-DGGML_AVX512_VNNI=ON",
        "-DGGML_AVX512_BF16=ON",
        "-DGGML_AVX_VNNI=ON",
    ]
    assert "AMX" not in args


@pytest.mark.parametrize(
    "flags",
    [
        "fpu sse sse2 avx f16c fma avx2 bmi2",  # AVX2 only (Haswell)
        "fpu sse sse2 avx avx2 avx512f avx512cd avx512er avx512pf",  # AVX-512F without BW/VL/DQ (Knights Landing)
        None,  # no cpuinfo to read (not Linux)
    ],
)
def test_cpu_without_full_avx512_gets_the_portable_build(tmp_path: Path, flags: str | None) -> None:
    assert cmake_args(cpu(tmp_path, flags)) == PORTABLE


def test_installed_llama_cpp_has_what_set_up_asked_for(llama_cpp: Any) -> None:
    """A set-up that dropped the flags would still run, 1.6 times slower; this catches it."""
    added = cmake_args(Path("/proc/cpuinfo")).split()[len(PORTABLE.split()) :]
    wanted = [a.removeprefix("-DGGML_").removesuffix("=ON") for a in added]
    info = llama_cpp.llama_print_system_info().decode()
    assert all(f"{unit} = 1" in info for unit in wanted), (wanted, info)
