"""Deviations found by rules: forecast over baseline, late milestones, expectations at risk, packages over budget."""

from __future__ import annotations

from typing import Any

from samspill.delivery.models import Deviation, Project


def detect_deviations(project: Project, *, by: Any = None) -> list[Deviation]:
    """Open each deviation whose condition holds (once), close those whose condition ended; return the opened."""
    return []
