"""The workspace registers its documents panel, its access, its search source and its periodic job;
its storage and size limit come from the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from samspill.lib import registry
from samspill.workspace.models import WORKSPACE_TARGETS, Document


def test_the_documents_panel_is_registered_on_customers_opportunities_and_projects() -> None:
    for target in ("customers.customer", "pipeline.opportunity", "delivery.project"):
        assert target in WORKSPACE_TARGETS
        assert "workspace.documents" in [p.key for p in registry.registry.panels[target]]


def test_documents_register_their_access_search_source_and_job() -> None:
    assert registry.access_for(Document).visible_to is not None
    source = registry.registry.search_sources["documents"]
    assert source.model is Document and source.fields == ("title", "text")
    assert "workspace.requeue_extractions" in registry.registry.periodic_jobs
    assert "document.created" in registry.registry.verbs


def _settings_with(**environment: str) -> dict[str, object]:
    code = (
        "import json; from samspill import settings as s; "
        "print(json.dumps({'storage': s.STORAGES['documents'], 'max': s.DOCUMENT_MAX_BYTES}, default=str))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCUMENT", "AWS_"))}
    done = subprocess.run(
        [sys.executable, "-c", code], env={**env, **environment}, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 or environment, done.stderr
    return json.loads(done.stdout) if done.returncode == 0 else {"error": done.stderr}


def test_documents_are_files_on_disk_up_to_200_mb_by_default() -> None:
    found = _settings_with()
    assert found["storage"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"  # type: ignore[index]
    assert found["max"] == 200 * 1024 * 1024


def test_a_bucket_in_the_environment_keeps_documents_in_object_storage() -> None:
    found = _settings_with(
        DOCUMENTS_S3_BUCKET="samspill-dokumenter",
        AWS_S3_ENDPOINT_URL="https://s3.example.no",
        AWS_S3_REGION_NAME="eu-north-1",
        DOCUMENT_MAX_MB="1024",
    )
    storage = found["storage"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"  # type: ignore[index]
    assert storage["OPTIONS"]["bucket_name"] == "samspill-dokumenter"  # type: ignore[index]
    assert storage["OPTIONS"]["endpoint_url"] == "https://s3.example.no"  # type: ignore[index]
    assert found["max"] == 1024 * 1024 * 1024


def test_a_bad_size_limit_stops_start_up_naming_the_variable() -> None:
    assert "DOCUMENT_MAX_MB" in str(_settings_with(DOCUMENT_MAX_MB="lots")["error"])
    assert "DOCUMENT_MAX_MB" in str(_settings_with(DOCUMENT_MAX_MB="0")["error"])
