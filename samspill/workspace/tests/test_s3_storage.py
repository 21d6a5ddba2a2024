"""Documents kept in S3-compatible object storage, against a local S3 server: the same bytes come back,
uploads and downloads stream, and the worker reads the text from a copy it fetches."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from django.test import Client
from moto.server import ThreadedMotoServer

from samspill.workspace import actions, storage
from samspill.workspace.models import Document, Extraction
from samspill.workspace.tests.conftest import NORWEGIAN_TEXT, incoming, upload_file

pytestmark = pytest.mark.django_db

CREDENTIALS = {"access_key": "testing", "secret_key": "testing", "region_name": "eu-north-1"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A local S3 server (moto's) on a free port, for this module's tests."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_endpoint: str, settings: Any) -> Any:
    """A fresh bucket, made the document storage."""
    name = f"samspill-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=CREDENTIALS["access_key"],
        aws_secret_access_key=CREDENTIALS["secret_key"],
        region_name=CREDENTIALS["region_name"],
    )
    client.create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": CREDENTIALS["region_name"]}
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": s3_endpoint,
                "default_acl": None,
                "file_overwrite": False,
                **CREDENTIALS,
            },
        },
    }
    client.bucket_name = name  # type: ignore[attr-defined]
    return client


def _objects(bucket: Any) -> list[str]:
    listed = bucket.list_objects_v2(Bucket=bucket.bucket_name)
    return [item["Key"] for item in listed.get("Contents", [])]


def test_a_document_is_stored_in_the_bucket_under_a_name_of_our_making(
    customer: Any, seller: Any, bucket: Any
) -> None:
    document = actions.upload_document(customer, incoming(NORWEGIAN_TEXT, "Kravspek.txt"), by=seller)
    [key] = _objects(bucket)
    assert key == document.current.file.name and "Kravspek" not in key
    stored = bucket.get_object(Bucket=bucket.bucket_name, Key=key)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == document.current.sha256


def test_a_file_uploaded_through_the_page_downloads_byte_identical_from_the_bucket(
    customer: Any, seller: Any, bucket: Any, client_for: Callable[[Any], Client]
) -> None:
    content = os.urandom(9 * 1024 * 1024 + 123)  # past boto3's multipart threshold
    client = client_for(seller)
    response = client.post(
        f"/workspace/customers.customer/{customer.pk}/documents/upload/",
        {"files": [upload_file(content, "Stort vedlegg.bin")]},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 201
    document = Document.objects.get()
    download = client.get(f"/workspace/documents/{document.pk}/download/")
    body = b"".join(download.streaming_content)
    assert hashlib.sha256(body).hexdigest() == hashlib.sha256(content).hexdigest() == document.current.sha256
    assert download["Content-Length"] == str(len(content))


def test_every_version_comes_back_from_the_bucket(
    customer: Any, seller: Any, bucket: Any, api_for: Any
) -> None:
    document = actions.upload_document(customer, incoming(b"versjon 1", "a.txt"), by=seller)
    actions.add_version(document, incoming(b"versjon 2", "a.txt"), by=seller)
    api = api_for(seller)
    first = api.get(f"/api/v1/documents/{document.pk}/versions/1/download")
    assert b"".join(first.streaming_content) == b"versjon 1"
    assert len(_objects(bucket)) == 2


def test_the_worker_reads_the_text_of_a_document_in_the_bucket(
    customer: Any, seller: Any, bucket: Any, read_text: Callable[[Document], Document]
) -> None:
    document = read_text(actions.upload_document(customer, incoming(), by=seller))
    assert document.current.extraction == Extraction.EXTRACTED
    assert "BankID" in document.text


def test_a_file_over_the_limit_never_reaches_the_bucket(
    customer: Any, seller: Any, bucket: Any, settings: Any
) -> None:
    settings.DOCUMENT_MAX_BYTES = 1024
    with pytest.raises(storage.FileTooLarge):
        actions.upload_document(customer, incoming(b"x" * 2048, "Stor.bin"), by=seller)
    assert _objects(bucket) == []


def test_a_refused_upload_leaves_no_object_behind(
    customer: Any, seller: Any, bucket: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(actions.events, "append_event", broken)
    with pytest.raises(RuntimeError):
        actions.upload_document(customer, incoming(), by=seller)
    assert _objects(bucket) == []
