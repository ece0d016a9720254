"""`methex serve`: the audit and review web app over a database. Thin: check, open, run."""
from __future__ import annotations

import socket

import click

from extractor import store
from extractor.cli_common import _open, _schema, db_option, schema_option
from extractor.serve.security import TOKEN_ENV

DEFAULT_PORT = 8023


def _port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


@click.command("serve")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback needs --token.")
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True,
              help="TCP port to listen on.")
@click.option("--token", default=None, envvar=TOKEN_ENV, metavar="SECRET",
              help=f"Require this secret on every request (also ${TOKEN_ENV}); open the "
              "printed address once, a cookie keeps you in.")
@click.option("--by", "reviewer", default=None, help="Reviewer name for decisions made in the "
              "browser (default: $USER).")
@schema_option
def serve_cmd(db_path, host, port, token, reviewer, schema_ref):
    """Browse papers, audit evidence and review values in the browser.

    \b
    methex serve                       # then open http://127.0.0.1:8023/
    methex serve --host 0.0.0.0 --token "$(openssl rand -hex 16)"
    """
    import uvicorn

    from extractor.serve import ServeError, check_bind, create_app

    try:
        check_bind(host, token)
    except ServeError as e:
        raise click.ClickException(str(e)) from None
    db = _open(db_path)
    schema = _schema(schema_ref, db)
    if not _port_free(host, port):
        raise click.ClickException(f"cannot listen on {host}:{port}: the port is in use or the "
                                   "address is not this machine's; try --port another number")
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    click.echo(f"methex serve: {url}  (database {db_path or store.default_db_path()}; Ctrl-C to stop)", err=True)
    uvicorn.run(create_app(db, schema, token=token, reviewer=reviewer), host=host, port=port,
                log_level="warning")
