"""When a run stops early, cleanly (RunReport.stopped; every unit written so far stays whole, a
rerun resumes):

- before the first unit, when the backend's preflight says its endpoint cannot serve;
- after settings.breaker units in a row failed to connect (the endpoint went away);
- before a unit that could take the run's tokens past settings.max_tokens, or its estimated
  cost past settings.max_cost (US dollars at settings.price, per 1M prompt / completion
  tokens, extractor.costs), estimating each unit (in flight or next) at the largest so far.
"""
from __future__ import annotations

from extractor.costs import cost


class RunGuard:
    def __init__(self, settings, report, backend):
        self.settings, self.report, self.backend = settings, report, backend
        self.checked = False
        self.in_flight = 0
        self.largest = 0                # tokens of the largest unit so far
        self.largest_cost = 0.0         # US dollars of the costliest unit so far
        self.connection_failures = 0

    def may_start(self) -> bool:
        r, s = self.report, self.settings
        if not self.checked:
            self.checked = True
            why = self.backend.preflight()
            if why:
                r.stopped = f"endpoint check failed before the run: {why}"
            elif s.max_cost is not None and s.price is None:
                r.stopped = (f"--max-cost {s.max_cost}: no price for model "
                             f"{self.backend.model}; add it to the price table ($METHEX_PRICES"
                             ", see `methex costs --help`)")
        cap = s.max_tokens
        if r.stopped is None and self._may_pass(r.tokens, self.largest, cap):
            r.stopped = (f"token budget: {r.tokens:,} tokens used, and the next unit may take "
                         f"up to {self.largest:,} more (--token-budget {cap:,}); everything "
                         "done is stored, rerun with a larger budget to go on")
        dollars = s.max_cost
        if r.stopped is None and self._may_pass(r.cost, self.largest_cost, dollars):
            r.stopped = (f"cost limit: ${r.cost:.6f} spent (estimated), and the next unit may "
                         f"cost up to ${self.largest_cost:.6f} more (--max-cost {dollars}); "
                         "everything done is stored, rerun with a larger limit to go on")
        if r.stopped is None:
            self.in_flight += 1
        return r.stopped is None

    def _may_pass(self, spent, largest, limit) -> bool:
        """Whether the units in flight and the next, each as large as the largest so far, could
        take `spent` past `limit` (None: no limit)."""
        return limit is not None and spent + (self.in_flight + 1) * largest > limit

    def released(self) -> None:
        """A started unit that is not recorded (held for batch answers)."""
        self.in_flight = max(0, self.in_flight - 1)

    def recorded(self, rec) -> None:
        self.released()
        prompt = sum(c.prompt_tokens or 0 for c in rec.calls)
        completion = sum(c.completion_tokens or 0 for c in rec.calls)
        self.report.tokens += prompt + completion
        self.largest = max(self.largest, prompt + completion)
        dollars = cost(prompt, completion, self.settings.price) or 0.0
        self.report.cost += dollars
        self.largest_cost = max(self.largest_cost, dollars)
        # any other answer means the endpoint is there: the count starts again (a unit that
        # sent nothing, e.g. no passage, says nothing about the endpoint)
        if rec.fault == "connection":
            self.connection_failures += 1
        elif rec.calls:
            self.connection_failures = 0
        n = self.settings.breaker
        if n and self.connection_failures >= n and self.report.stopped is None:
            where = getattr(self.backend, "base_url", None) or "the endpoint"
            self.report.stopped = (
                f"{n} units in a row could not connect to {where} (model "
                f"{self.backend.model}): {rec.error}. Check that the server is still running; "
                "everything done is stored, rerun with --retry-failed to resume")
