"""Pages composed from what apps register: panels, start items, feed sources and access."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from samspill.lib import registry
from samspill.lib.models import SeedRun


@pytest.fixture
def clean_registry(monkeypatch: pytest.MonkeyPatch) -> registry.Registry:
    fresh = registry.Registry()
    monkeypatch.setattr(registry, "registry", fresh)
    return fresh


def test_panels_render_in_order_and_skip_those_with_nothing_to_show(
    clean_registry: registry.Registry, settings: Any, tmp_path: Any
) -> None:
    (tmp_path / "first.html").write_text("first {{ word }}")
    (tmp_path / "second.html").write_text("second")
    (tmp_path / "hidden.html").write_text("hidden")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    registry.register_start_item(key="b", template="second.html", context=lambda r: {}, order=20)
    registry.register_start_item(key="a", template="first.html", context=lambda r: {"word": "hi"}, order=10)
    registry.register_start_item(key="c", template="hidden.html", context=lambda r: None, order=5)
    rendered = registry.render_panels(registry.START, RequestFactory().get("/"))
    assert [p["key"] for p in rendered] == ["a", "b"]
    assert rendered[0]["html"] == "first hi"


def test_registering_a_panel_again_replaces_it(clean_registry: registry.Registry) -> None:
    registry.register_panel(SeedRun, key="x", template="one.html", context=lambda r, o: {})
    registry.register_panel(SeedRun, key="x", template="two.html", context=lambda r, o: {})
    assert [p.template for p in clean_registry.panels["lib.seedrun"]] == ["two.html"]
