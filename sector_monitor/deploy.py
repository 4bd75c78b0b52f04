"""nginx in front of N `sector-monitor serve` replicas: render deploy/nginx-site.conf.j2.

    python -m sector_monitor.deploy --replica 127.0.0.1:8051 --replica 127.0.0.1:8052 \\
        --listen 80 --server-name monitor.example.org > /etc/nginx/sites-available/sector-monitor

:func:`standalone_nginx_conf` wraps a site in a complete nginx configuration that runs as an
ordinary user in a scratch folder (the tests and benchmarks/replicas.py use it).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import jinja2

DEPLOY_DIR = Path(__file__).resolve().parent.parent / "deploy"
SITE_TEMPLATE = DEPLOY_DIR / "nginx-site.conf.j2"
UPSTREAM = "sector_monitor"
#: nginx stops sending requests to a replica for this long after it failed max_fails times. A
#: rolling restart waits this long after a restarted replica is healthy before stopping the
#: next one: until then nginx may still count it out, and with every replica out it answers 502.
FAIL_TIMEOUT_S = 5
MAX_FAILS = 3


def render_nginx_site(
    replicas: Sequence[str],
    listen: str = "80",
    server_name: str = "_",
    max_fails: int = MAX_FAILS,
    fail_timeout: str = f"{FAIL_TIMEOUT_S}s",
) -> str:
    """The nginx site (upstream + server) for ``replicas`` (``host:port`` each)."""
    if not replicas:
        raise ValueError("at least one replica")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(DEPLOY_DIR),
        autoescape=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template(SITE_TEMPLATE.name).render(
        replicas=list(replicas),
        listen=listen,
        server_name=server_name,
        max_fails=max_fails,
        fail_timeout=fail_timeout,
        upstream=UPSTREAM,
    )


def standalone_nginx_conf(site: str, workdir: Path) -> str:
    """A complete nginx.conf running ``site`` in the foreground, every file under ``workdir``.

    The access log records which replica(s) answered each request (``$upstream_addr``: two
    addresses when nginx retried on another replica) and their statuses.
    """
    work = str(workdir.resolve())
    temp = "\n".join(
        f"    {name}_temp_path {work}/{name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # as root, nginx's workers would run as nobody, who cannot enter a private scratch folder
    user = "user root;\n" if hasattr(os, "geteuid") and os.geteuid() == 0 else ""
    return f"""daemon off;
{user}worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{
    worker_connections 1024;
}}
http {{
    log_format replicas '$status "$request" upstream="$upstream_addr" '
                        'upstream_status="$upstream_status" time=$request_time';
    access_log {work}/access.log replicas;
{temp}
{site}
}}
"""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m sector_monitor.deploy",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--replica",
        action="append",
        required=True,
        metavar="HOST:PORT",
        help="a `sector-monitor serve` replica (repeat)",
    )
    p.add_argument("--listen", default="80", help="nginx listen directive value (default 80)")
    p.add_argument("--server-name", default="_")
    p.add_argument("--max-fails", type=int, default=MAX_FAILS)
    p.add_argument("--fail-timeout", default=f"{FAIL_TIMEOUT_S}s")
    args = p.parse_args(argv)
    sys.stdout.write(
        render_nginx_site(args.replica, args.listen, args.server_name, args.max_fails, args.fail_timeout)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
