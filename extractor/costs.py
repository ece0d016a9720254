"""The cost ledger: what each run's LLM calls took (calls, retries, tokens) and what that costs.

Every request, failed tries included, is a row of llm_calls with its prompt and completion
tokens. Prices are per model, in US dollars per 1M prompt / completion tokens: a small default
table (DEFAULT_PRICES, list prices when written; check your provider's), overridden by a JSON
file {"MODEL": {"prompt": 0.15, "completion": 0.6}, ...} given as `prices_file` or
$METHEX_PRICES. Local backends cost nothing; a model without a price has cost None.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

# USD per 1M tokens (prompt, completion)
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
}
LOCAL_BACKENDS = {"rules", "learned", "llama", "annotations", "consensus"}


class PriceError(ValueError):
    pass


def load_prices(prices_file: str | Path | None = None) -> dict[str, tuple[float, float]]:
    """The default table updated by the user's file (argument, else $METHEX_PRICES)."""
    prices = dict(DEFAULT_PRICES)
    path = prices_file or os.environ.get("METHEX_PRICES")
    if not path:
        return prices
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise PriceError(f"cannot read prices from {path}: {e}") from None
    if not isinstance(data, dict):
        raise PriceError(f"{path}: expected {{MODEL: {{\"prompt\": N, \"completion\": N}}}}")
    for model, p in data.items():
        try:
            prices[model] = (float(p["prompt"]), float(p["completion"]))
        except (TypeError, KeyError, ValueError):
            raise PriceError(f"{path}: {model!r} needs numeric \"prompt\" and \"completion\" "
                             "(USD per 1M tokens)") from None
    return prices


def price_of(backend: str, model: str, prices: dict) -> tuple[float, float] | None:
    if backend in LOCAL_BACKENDS:
        return (0.0, 0.0)
    return prices.get(model)


def cost(prompt_tokens: int, completion_tokens: int, price: tuple[float, float] | None
         ) -> float | None:
    if price is None:
        return None
    return (prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000


@dataclass
class Tally:
    calls: int = 0
    retries: int = 0            # requests after the first for a field (retries and re-asks)
    failed: int = 0             # requests that ended in an error
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass
class RunCosts:
    run_id: int
    backend: str
    model: str
    price: tuple[float, float] | None
    total: Tally
    papers: int
    groups: dict[str, Tally] = field(default_factory=dict)

    @property
    def tokens_per_paper(self) -> float | None:
        return self.total.tokens / self.papers if self.papers else None


def ledger(db: sqlite_utils.Database, run_id: int | None = None,
           prices: dict | None = None) -> list[RunCosts]:
    """One RunCosts per run with LLM calls (or the given run), oldest first."""
    prices = load_prices() if prices is None else prices
    runs = db.execute("SELECT id, backend, model FROM runs" + (" WHERE id = ?" if run_id
                      else "") + " ORDER BY id", [run_id] if run_id else []).fetchall()
    if run_id and not runs:
        raise KeyError(f"no run {run_id}")
    out = []
    for rid, backend, model in runs:
        price = price_of(backend, model, prices)
        rows = db.execute(
            "SELECT grp, count(*), sum(attempt > 1), sum(error IS NOT NULL),"
            " coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0)"
            " FROM llm_calls WHERE run_id = ? GROUP BY grp ORDER BY grp", [rid]).fetchall()
        if not rows and not run_id:
            continue
        total, groups = Tally(), {}
        for grp, n, retries, failed, pt, ct in rows:
            t = Tally(n, retries or 0, failed or 0, pt, ct, cost(pt, ct, price))
            groups[grp] = t
            for k in ("calls", "retries", "failed", "prompt_tokens", "completion_tokens"):
                setattr(total, k, getattr(total, k) + getattr(t, k))
        total.cost = cost(total.prompt_tokens, total.completion_tokens, price)
        papers = db.execute("SELECT count(DISTINCT doc_id) FROM llm_calls WHERE run_id = ?",
                            [rid]).fetchone()[0]
        out.append(RunCosts(rid, backend, model, price, total, papers, groups))
    return out
