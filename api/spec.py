"""The OpenAPI document (``openapi.yaml``) and request parameters checked against it, so that
the implementation cannot accept what the document does not declare."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from werkzeug.datastructures import MultiDict

from core.yamlfile import read_yaml

SPEC_FILE = Path(__file__).resolve().parent / "openapi.yaml"


class ApiError(Exception):
    """An error answered as JSON ``{"status", "error", "parameter"}`` with that HTTP status."""

    def __init__(self, status: int, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.parameter = status, message, parameter


@cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3 document of the API."""
    return read_yaml(SPEC_FILE)


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref`` (``#/components/...``)."""
    while "$ref" in node:
        target: Any = openapi_document()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


@cache
def _parameters(path: str) -> tuple[dict[str, Any], ...]:
    return tuple(_resolve(p) for p in openapi_document()["paths"][path]["get"].get("parameters", []))


def parse_parameters(path: str, query: MultiDict[str, str], path_values: Mapping[str, str]) -> dict[str, Any]:
    """The declared parameters of ``GET path``, converted and validated, defaults filled in.

    Raises ApiError(400) for an undeclared, repeated or invalid parameter.
    """
    declared = _parameters(path)
    names = {p["name"] for p in declared if p["in"] == "query"}
    for name in query:
        if name not in names:
            raise ApiError(400, f"unknown parameter {name!r}", name)
        if len(query.getlist(name)) > 1:
            raise ApiError(400, f"parameter {name!r} given more than once", name)
    values: dict[str, Any] = {}
    for param in declared:
        name, schema = param["name"], _resolve(param["schema"])
        raw = (path_values if param["in"] == "path" else query).get(name)
        if raw is None:
            values[name] = schema.get("default")
            continue
        value: Any = raw
        if any(ord(c) < 32 or ord(c) == 127 for c in raw):  # a pattern's "$" lets a final "\n" pass
            raise ApiError(400, f"parameter {name!r} holds a control character", name)
        if schema.get("type") == "integer":
            if len(raw) > 20 or not raw.isascii() or not raw.lstrip("-").isdigit():
                raise ApiError(400, f"parameter {name!r} must be an integer", name)
            value = int(raw)
        error = next(Draft7Validator(schema).iter_errors(value), None)
        if error is not None:
            raise ApiError(400, f"invalid parameter {name!r}: {error.message}", name)
        values[name] = value
    return values
