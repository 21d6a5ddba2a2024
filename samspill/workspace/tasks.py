"""Background work on documents: reading their text in a child process, and retrying what got stuck."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from samspill.lib.registry import register_periodic_job
from samspill.workspace import actions
from samspill.workspace.models import DocumentVersion, Extraction
from samspill.workspace.storage import local_copy

logger = logging.getLogger(__name__)

# A version still waiting this long after its upload lost its task (the queue refused it, or the
# worker died with it): queue it again.
STUCK_AFTER = datetime.timedelta(minutes=30)


class _Failed:
    """A failed reading, in the shape of `samspill.workspace.extraction.Extracted`."""

    ok = False
    text = ""
    pages = None

    def __init__(self, reason: str) -> None:
        self.reason = reason


@task()
def extract_text(version_id: int) -> str:
    """Read the text of a document version in a child process and record it; never fail on a bad file."""
    version = DocumentVersion.objects.filter(pk=version_id).first()
    if version is None or version.extraction != Extraction.QUEUED:
        return "skipped"
    extracted = _extract(version)
    recorded = actions.record_extraction(version, extracted)
    return str(recorded.extraction)


def _extract(version: DocumentVersion) -> Any:
    try:
        from samspill.workspace.extraction import extract_in_child
    except ImportError:  # pragma: no cover - the extraction module ships with the app
        return _Failed(_("Text extraction is not available on this server."))
    try:
        with local_copy(version.file.name or "") as path:
            try:
                return extract_in_child(path, version.file_kind)
            except Exception:  # the extractor's own failure: this document fails, the worker goes on
                logger.exception("Reading the text of %s failed.", version)
                return _Failed(_("The text could not be read."))
    except Exception as error:  # the storage could not hand the file over
        logger.warning("Could not fetch the stored file of %s: %s", version, error)
        return _Failed(_("The stored file could not be read."))


@task()
def requeue_extractions() -> int:
    """Queue again the versions whose text reading has waited too long; return how many."""
    return len(actions.requeue_stuck(timezone.now() - STUCK_AFTER))


register_periodic_job(
    "workspace.requeue_extractions", every=datetime.timedelta(minutes=15), enqueue=requeue_extractions.enqueue
)
