"""The fixed texts of a note in each language (texts.yaml beside this module)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.yamlfile import read_yaml

TEXTS: dict[str, dict[str, Any]] = read_yaml(Path(__file__).with_name("texts.yaml"))
