"""The `methex serve` web app (Starlette + Jinja2): papers, one paper's evidence with review in
place, and per-field value charts. Handlers only parse the request and call the library;
every write is extractor.review.add_review, exactly as `methex review`."""
from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import quote as urlquote, urlencode

import jinja2
import sqlite_utils
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from extractor.query import QueryError, parse_condition
from extractor.review import ReviewError, add_review, correct_value, default_reviewer
from extractor.schemas.catalog import Schema
from extractor.serve import pages
from extractor.serve.security import Gate, new_secret, same_origin

HERE = Path(__file__).parent
ACTIONS = ("accept", "reject", "correct")


def _templates() -> Jinja2Templates:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["q"] = lambda s: urlquote(str(s), safe="")
    return Jinja2Templates(env=env)


class Site:
    """Routes over one open database. Requests are handled one at a time on the event loop
    (the library is synchronous and the connection is shared; a local reviewer never
    notices)."""

    def __init__(self, db: sqlite_utils.Database, schema: Schema, reviewer: str | None):
        self.db, self.schema = db, schema
        self.reviewer = reviewer or default_reviewer()
        self.csrf = new_secret()
        self.templates = _templates()

    def render(self, request: Request, name: str, status: int = 200, **ctx) -> Response:
        ctx.update(csrf=self.csrf, reviewer=self.reviewer, schema=self.schema)
        return self.templates.TemplateResponse(request, name, ctx, status_code=status)

    # --- pages ----------------------------------------------------------------------------

    async def papers(self, request: Request) -> Response:
        wheres = [w for w in request.query_params.getlist("where") if w.strip()]
        wf, wo, wv = (request.query_params.get(k, "") for k in ("wf", "wo", "wv"))
        if wv.strip():
            wheres.append(f"{wf}{wo if wo in ('=', '~') else '='}{wv.strip()}")
        q = request.query_params.get("q", "")
        error, rows, conds = None, [], []
        try:
            conds = [parse_condition(w, self.schema) for w in wheres]
            rows = pages.paper_rows(self.db, self.schema, conds, q)
        except QueryError as e:
            error = str(e)
        chips = [(str(c), "/?" + urlencode([("where", str(o)) for o in conds if o is not c]
                                           + ([("q", q)] if q else [])))
                 for c in conds]
        total = self.db.execute("SELECT count(*) FROM documents").fetchone()[0]
        return self.render(request, "papers.html", 400 if error else 200, rows=rows,
                           conds=[str(c) for c in conds], chips=chips, q=q, error=error,
                           total=total, wf=wf)

    async def paper(self, request: Request, error: dict | None = None,
                    status: int = 200) -> Response:
        doc_id = request.path_params["doc_id"]
        rejected = request.query_params.get("rejected") == "1"
        try:
            doc, fields = pages.paper_view(self.db, self.schema, doc_id, rejected)
        except QueryError as e:
            return PlainTextResponse(str(e), status_code=404)
        return self.render(request, "paper.html", status, doc=doc, fields=fields,
                           show_rejected=rejected, error=error,
                           reviewed=request.query_params.get("reviewed"))

    async def fields(self, request: Request) -> Response:
        key = request.path_params.get("key")
        if key is not None and key not in self.schema.keys:
            return PlainTextResponse(f"unknown field {key!r}", status_code=404)
        charts = pages.field_charts(self.db, self.schema, [key] if key else None,
                                    top=None if key else pages.TOP_VALUES)
        return self.render(request, "fields.html", charts=charts, one=key)

    # --- the one write --------------------------------------------------------------------

    async def review(self, request: Request) -> Response:
        form = await request.form()
        if not secrets.compare_digest(str(form.get("csrf", "")).encode(), self.csrf.encode()):
            return PlainTextResponse("refused: missing or wrong CSRF token (reload the page "
                                     "and try again)", status_code=403)
        if not same_origin(request.headers, request.headers.get("host", "")):
            return PlainTextResponse("refused: cross-site request", status_code=403)
        get = lambda k: str(form.get(k, "")).strip()        # noqa: E731
        doc_id, key, action = get("doc_id"), get("field"), get("action")
        value, note = get("value"), get("note") or None
        try:
            if action not in ACTIONS:
                raise ReviewError(f"action must be one of {', '.join(ACTIONS)}, not {action!r}")
            if action == "correct":
                self._correct(doc_id, key, value, get("new_value"), get("quote"), note)
            else:
                add_review(self.db, doc_id, key, action, value, reviewer=self.reviewer,
                           note=note, schema=self.schema)
        except ReviewError as e:
            request.scope["path_params"] = {"doc_id": doc_id}
            return await self.paper(request, error={"field": key, "message": str(e),
                                                    "form": dict(form)}, status=400)
        target = f"/paper/{urlquote(doc_id, safe='')}?reviewed={urlquote(key)}#f-{key}"
        return RedirectResponse(target, status_code=303)

    def _correct(self, doc_id, key, old, new, quote, note) -> None:
        """Replace `old` (if any: an unknown field has none) by `new`, stated by `quote`
        (extractor.review.correct_value: checked first, and a respelling becomes an alias)."""
        correct_value(self.db, doc_id, key, old, new, quote=quote, reviewer=self.reviewer,
                      note=note, schema=self.schema)


def create_app(db: sqlite_utils.Database, schema: Schema, *, token: str | None = None,
               reviewer: str | None = None):
    """The ASGI app: Site's routes behind the Gate (loopback or token, security headers)."""
    site = Site(db, schema, reviewer)
    app = Starlette(routes=[
        Route("/", site.papers),
        Route("/paper/{doc_id:path}", site.paper),
        Route("/review", site.review, methods=["POST"]),
        Route("/fields", site.fields),
        Route("/fields/{key}", site.fields),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ])
    app.state.site = site
    return Gate(app, token)
