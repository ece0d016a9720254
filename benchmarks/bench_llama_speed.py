"""Prompt-processing speed of the installed llama-cpp-python build (e.g. AVX2 vs AVX-512).

    python benchmarks/bench_llama_speed.py --model PATH.gguf [--threads 1] [--calls 2]

Run it from two virtualenvs holding the two builds, alternately, on the same machine state; the
prompt is fixed text of ~316 tokens and each call generates 16 tokens at temperature 0.
"""
from __future__ import annotations

import argparse
import time


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="a GGUF file")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--calls", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=12, help="copies of the filler sentence")
    args = ap.parse_args()
    from llama_cpp import Llama, llama_print_system_info
    print(llama_print_system_info().decode().strip())
    m = Llama(model_path=args.model, n_ctx=4096, n_threads=args.threads, verbose=False)
    words = ("The network was trained with stochastic gradient descent on image tiles of the survey "
             "area, and validation used a held-out set of sites. ") * args.repeat
    for i in range(args.calls):
        m.reset()       # a fresh KV cache: every call reads its whole prompt
        t = time.perf_counter()
        r = m.create_completion(f"{i} " + words + "\nSummary:", max_tokens=16, temperature=0)
        dt = time.perf_counter() - t
        p, c = r["usage"]["prompt_tokens"], r["usage"]["completion_tokens"]
        print(f"prompt {p} tok, completion {c} tok, {dt:.2f} s, {p / dt:.1f} tok/s (whole call)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
