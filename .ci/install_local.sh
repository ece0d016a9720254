#!/usr/bin/env bash
# Install the `local` extra (llama-cpp-python + its OpenAI-compatible server) into a venv and
# assemble the small test model.  Usage: .ci/install_local.sh [PIP]   (default: $PIP or pip)
#
# llama-cpp-python is compiled from source. With llama.cpp's default native CPU flags it
# segfaults on these VMs (Intel AMX is advertised but not allowed), so it is built for a
# portable AVX2 target. pip's own wheel cache ignores CMAKE_ARGS (a wheel once built with other
# flags would be reused), so the wheel is built with --no-cache-dir into a cache directory keyed
# by version + flags, and later runs install that wheel in seconds.
set -euo pipefail

PIP_CMD="${1:-${PIP:-pip}}"
PY="$(dirname "$PIP_CMD")/python"
[ -x "$PY" ] || PY=python3
LLAMA_VERSION="${LLAMA_CPP_VERSION:-0.3.36}"
CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
# AVX-512 where the CPU has it (prompt processing measured ~1.3x faster on one thread here,
# BENCHMARKS.md); each extension is enabled only if /proc/cpuinfo lists it, and
# METHEX_LLAMA_AVX512=0 keeps the portable AVX2 build.
flags="$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)"
has() { [[ " $flags " == *" $1 "* ]]; }
if [ "${METHEX_LLAMA_AVX512:-1}" != 0 ] && has avx512f && has avx512bw && has avx512vl && has avx512dq && has avx512cd; then
    CMAKE_ARGS="$CMAKE_ARGS -DGGML_AVX512=ON"
    has avx512vbmi && CMAKE_ARGS="$CMAKE_ARGS -DGGML_AVX512_VBMI=ON"
    has avx512_vnni && CMAKE_ARGS="$CMAKE_ARGS -DGGML_AVX512_VNNI=ON"
    has avx512_bf16 && CMAKE_ARGS="$CMAKE_ARGS -DGGML_AVX512_BF16=ON"
fi
export CMAKE_ARGS
export FORCE_CMAKE=1
key="$(printf '%s %s' "$LLAMA_VERSION" "$CMAKE_ARGS" | sha256sum | cut -c1-12)"
WHEELS="${METHEX_WHEEL_CACHE:-$HOME/.cache/methex/wheels}/llama-cpp-python-$LLAMA_VERSION-$key"

t0=$(date +%s)
wheel="$(ls "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl 2>/dev/null | head -1 || true)"
if [ -z "$wheel" ]; then
    echo "install_local: building llama-cpp-python $LLAMA_VERSION (several minutes on 2 cores)" >&2
    mkdir -p "$WHEELS"
    # Build in a private directory beside the cache and rename the finished wheel into it:
    # rename is atomic on one file system, so a concurrent install never sees (or installs)
    # a half-written wheel, and two builds at once each move a whole file.
    tmp="$(mktemp -d "$WHEELS/.build.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    "$PIP_CMD" wheel --no-cache-dir --no-deps --no-binary llama-cpp-python \
        "llama-cpp-python==$LLAMA_VERSION" -w "$tmp"
    built="$(ls "$tmp"/llama_cpp_python-"$LLAMA_VERSION"-*.whl | head -1)"
    mv -f "$built" "$WHEELS/$(basename "$built")"
    wheel="$WHEELS/$(basename "$built")"
fi
# The [server] extra pulls uvicorn, fastapi, sse-starlette, starlette-context, pydantic-settings.
"$PIP_CMD" install -q "llama-cpp-python[server] @ file://$wheel"
# pip skips a wheel whose version is already installed, even one built with other flags.
"$PIP_CMD" install -q --force-reinstall --no-deps "$wheel"
t1=$(date +%s)
echo "install_local: llama-cpp-python ready in $((t1 - t0)) s" >&2

# Fails loudly if the build is unusable (e.g. an illegal-instruction crash on load).
"$PY" -c "import llama_cpp; print('install_local:', llama_cpp.__version__, llama_cpp.llama_print_system_info().decode().strip())"

"$PY" -m extractor.cli_models install smollm2
echo "install_local: done in $(( $(date +%s) - t0 )) s" >&2
