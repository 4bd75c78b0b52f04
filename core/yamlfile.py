"""Reading the project's YAML files (indicator catalogue, step declarations, snapshot manifests,
engine settings): safe loading by libyaml's C parser when PyYAML was built with it (several
times faster than the pure-Python parser, same values), else by the pure-Python one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """The YAML document of ``path`` (UTF-8), safely loaded (errors: ``yaml.YAMLError``)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)
