"""The committed OpenAPI file matches the API, the docs are public, and everything else needs a login."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from samspill import openapi

COMMITTED = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"
REGENERATE = ".venv/bin/python -m samspill.openapi > docs/openapi.json"


def _operations() -> list[tuple[str, str]]:
    """Return (method, path) for every operation in the schema, with 1 for each path parameter."""
    paths = openapi.schema()["paths"]
    return [(method, re.sub(r"\{[^}]+\}", "1", path)) for path, item in paths.items() for method in item]


def test_the_committed_openapi_file_matches_the_api() -> None:
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.exists() else ""
    assert committed == openapi.render(), (
        f"docs/openapi.json is out of date; regenerate it with: {REGENERATE}"
    )


def test_the_schema_documents_every_resource_under_api_v1() -> None:
    paths = openapi.schema()["paths"]
    for resource in ("people", "tokens", "customers", "contacts", "framework-agreements"):
        assert f"/api/v1/{resource}" in paths


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs"])
def test_the_schema_and_the_docs_are_public(path: str, db: Any) -> None:
    assert Client().get(path).status_code == 200


def test_the_public_schema_is_the_committed_one(db: Any) -> None:
    served = Client().get("/api/v1/openapi.json").json()
    assert sorted(served["paths"]) == sorted(openapi.schema()["paths"])


@pytest.mark.parametrize(("method", "path"), _operations())
def test_every_other_api_path_answers_401_without_auth(method: str, path: str, db: Any) -> None:
    response = Client().generic(method.upper(), path, "{}", content_type="application/json")
    assert response.status_code == 401
    assert "detail" in response.json()
