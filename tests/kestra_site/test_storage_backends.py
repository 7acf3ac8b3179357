"""Internal storage is Django's storage API: any backend serves `kestra:///` URIs."""

import pytest
from django.core.files.storage import storages

from kestra_site import storage


@pytest.fixture
def in_memory_backend(settings):
    """Another backend by setting (here Django's in-memory one, standing in for S3)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "kestra": {"BACKEND": "django.core.files.storage.InMemoryStorage", "OPTIONS": {}},
    }
    storages._storages.pop("kestra", None)
    storages.backends  # noqa: B018 (re-read from settings)
    yield storages["kestra"]
    storages._storages.pop("kestra", None)


def test_any_django_storage_backend_serves_internal_storage(in_memory_backend):
    uri = storage.put("company/team/flow/executions/e1/out.txt", b"hello")
    assert uri == "kestra:///company/team/flow/executions/e1/out.txt"
    assert type(storage.internal_storage()).__name__ == "InMemoryStorage"
    assert storage.read_text(uri) == "hello"


def test_traversal_is_refused():
    with pytest.raises(storage.StoragePathError):
        storage.uri_path("kestra:///company/../../etc/passwd")
