"""Read-only public data API (``/api/v1/``): a Flask blueprint described by ``openapi.yaml``."""

from api.blueprint import blueprint, register_api

__all__ = ["blueprint", "register_api"]
