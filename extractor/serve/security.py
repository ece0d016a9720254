"""Who may talk to `methex serve`: loopback by default, a token for anything else, a CSRF token
on every write, and headers that keep paper text inert in the browser."""
from __future__ import annotations

import ipaddress
import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

TOKEN_COOKIE = "methex_token"
TOKEN_ENV = "METHEX_SERVE_TOKEN"

# Nothing inline and nothing from elsewhere: even if some paper text escaped the templates'
# autoescaping it could not run as script.
HEADERS = [
    (b"content-security-policy", b"default-src 'none'; script-src 'self'; style-src 'self'; "
     b"img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    # The login URL carries the token: never send it to another site. (not no-referrer:
    # with it Chromium sends `Origin: null` on our own form posts.)
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class ServeError(ValueError):
    """A server that must not start as asked (e.g. a public address without a token)."""


def is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    if not is_loopback(host) and not token:
        raise ServeError(f"refusing to listen on {host} without a token: anyone who can reach "
                         f"it could read and review the database. Pass --token SECRET (or set "
                         f"${TOKEN_ENV}), or keep the default --host 127.0.0.1")


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def _host_name(host_header: str) -> str:
    if host_header.startswith("["):
        return host_header[1:].split("]", 1)[0]
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


class Gate:
    """ASGI middleware in front of the app.

    Without a token only loopback Host headers are served (a web page elsewhere cannot reach
    the server through DNS rebinding). With a token every request must carry it: once as
    `?token=` (then kept in an HttpOnly cookie), or as `Authorization: Bearer`.
    """

    def __init__(self, app, token: str | None):
        self.app, self.token = app, token

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        if self.token is None:
            if not is_loopback(_host_name(headers.get("host", ""))):
                return await _plain(send, 403, "methex serve answers on localhost only")
        else:
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            given = query.get("token")
            if given is not None and _eq(given, self.token):
                rest = urlencode([(k, v) for k, v in parse_qsl(
                    scope.get("query_string", b"").decode("latin-1")) if k != "token"])
                target = scope.get("root_path", "") + scope["path"] + (f"?{rest}" if rest else "")
                cookie = (f"{TOKEN_COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/")
                return await _plain(send, 303, "logged in", [(b"location", target.encode()),
                                                              (b"set-cookie", cookie.encode())])
            if not self._carried(headers):
                return await _plain(send, 401, "this methex server needs its token: open the "
                                    "address printed by `methex serve` (it ends in ?token=...)")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": list(message.get("headers", [])) + HEADERS}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _carried(self, headers: dict[str, str]) -> bool:
        auth = headers.get("authorization", "")
        if auth.startswith("Bearer ") and _eq(auth[7:], self.token):
            return True
        jar = SimpleCookie()
        try:
            jar.load(headers.get("cookie", ""))
        except Exception:       # a malformed cookie header carries no token
            return False
        c = jar.get(TOKEN_COOKIE)
        return c is not None and _eq(c.value, self.token)


def _eq(a: str, b: str) -> bool:
    # bytes: compare_digest refuses non-ASCII str, and a query string may hold anything
    return secrets.compare_digest(a.encode(), b.encode())


def same_origin(headers, host: str) -> bool:
    """A browser's cross-site POST names its origin; ours names this host."""
    origin = headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return origin.split("://", 1)[-1] == host


async def _plain(send, status: int, text: str, extra: list | None = None) -> None:
    body = (text + "\n").encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]
                + (extra or []) + HEADERS})
    await send({"type": "http.response.body", "body": body})
