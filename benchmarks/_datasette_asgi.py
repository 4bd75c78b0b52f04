"""Datasette as an ASGI app, for gunicorn with uvicorn workers (benchmarks/api_compare.py).

Runs in the benchmark virtualenv; serves the SQLite file ``$BENCH_SQLITE`` in immutable mode,
as ``datasette serve -i FILE`` does in a single process.
"""

import os

from datasette.app import Datasette

app = Datasette(immutables=[os.environ["BENCH_SQLITE"]]).app()
