#!/usr/bin/env bash
# Prints the CMAKE_ARGS that scripts/setup.sh builds llama-cpp-python with, for the CPU described
# by $1 (default /proc/cpuinfo). Not -march=native: that also compiles AMX, which dies with SIGILL
# on this machine's CPU at the first token. Instead the vector units the CPU reports, AMX never:
# with AVX-512 and VNNI the judge reads its prompt at 44 tokens/s against 31 with the portable
# AVX2 build (README, "Building llama.cpp for the CPU's vector units"). Without them, or without
# a readable cpuinfo, the portable build.
set -euo pipefail
args="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF"
flags=" $(grep -m1 '^flags' "${1:-/proc/cpuinfo}" 2>/dev/null | cut -d: -f2 || true) "
has() { for f in "$@"; do [[ "$flags" == *" $f "* ]] || return 1; done; }
if has avx512f avx512cd avx512vl avx512dq avx512bw; then  # what -DGGML_AVX512 compiles for
  args+=" -DGGML_AVX512=ON"
  if has avx512_vnni; then args+=" -DGGML_AVX512_VNNI=ON"; fi
  if has avx512_bf16; then args+=" -DGGML_AVX512_BF16=ON"; fi
fi
if has avx_vnni; then args+=" -DGGML_AVX_VNNI=ON"; fi
echo "$args"
