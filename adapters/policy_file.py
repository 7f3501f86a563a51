"""Policy overrides from YAML: a preset plus the settings a council changes.

preset: barnet
overrides:
  max_cases_per_locality: 4
  cutoff: {working_days_before: 4, at: "12:00"}
  closures: ["2026-12-24"]
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from panel.errors import InvalidInput
from panel.policy import Policy, with_overrides
from panel.presets import PRESETS


class PolicyFileError(ValueError):
    """A policy file could not be used; the message names the file and the problem."""


@dataclass(frozen=True)
class LoadedPolicy:
    policy: Policy
    closures: frozenset[date]


def parse_policy(document: Any, *, where: str = "policy") -> LoadedPolicy:
    if not isinstance(document, dict):
        raise PolicyFileError(f"{where}: expected a mapping with 'preset' and 'overrides'.")
    unknown = set(document) - {"preset", "overrides", "closures"}
    if unknown:
        raise PolicyFileError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}.")
    preset = document.get("preset")
    if not isinstance(preset, str) or preset not in PRESETS:
        raise PolicyFileError(
            f"{where}: 'preset' must be one of {', '.join(sorted(PRESETS))}, not {preset!r}."
        )
    overrides = document.get("overrides") or {}
    if not isinstance(overrides, dict):
        raise PolicyFileError(f"{where}: 'overrides' must be a mapping.")
    try:
        policy = with_overrides(PRESETS[preset], overrides)
    except InvalidInput as exc:
        raise PolicyFileError(f"{where}: {exc}") from None
    closures = document.get("closures") or []
    if not isinstance(closures, list) or not all(isinstance(d, date) for d in closures):
        raise PolicyFileError(f"{where}: 'closures' must be a list of dates (YYYY-MM-DD).")
    return LoadedPolicy(policy, frozenset(closures))


def load_policy(path: Path) -> LoadedPolicy:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyFileError(f"{path}: cannot be read ({exc.strerror}).") from None
    except yaml.YAMLError as exc:
        raise PolicyFileError(f"{path}: is not valid YAML ({exc}).") from None
    return parse_policy(document, where=str(path))
