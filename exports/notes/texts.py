"""The fixed texts of a note in each language (texts.yaml beside this module)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

TEXTS: dict[str, dict[str, Any]] = yaml.safe_load(
    Path(__file__).with_name("texts.yaml").read_text(encoding="utf-8")
)
