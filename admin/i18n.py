"""Interface strings of the coordinator workspace (``messages.yaml``: fr, nl, en)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import yaml

MESSAGES = Path(__file__).resolve().parent / "messages.yaml"


@cache
def messages() -> dict[str, dict[str, str]]:
    return yaml.safe_load(MESSAGES.read_text(encoding="utf-8"))


def text_for(lang: str) -> Callable[[str], str]:
    """``t(key)``: the string ``key`` in ``lang`` (a missing key is a programming error)."""
    table = messages()
    return lambda key: table[key][lang]
