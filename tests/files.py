"""Where the suite's stored files are: the same questions on the local disk and on S3."""

from pathlib import Path

from django.conf import settings
from storages.backends.s3 import S3Storage


def on_s3():
    return settings.STORAGE_BACKEND == "s3"


def object_key(field_file):
    """The file's key in the store: its path under MEDIA_ROOT on the local disk."""
    storage = field_file.storage
    if isinstance(storage, S3Storage):
        return storage._normalize_name(field_file.name)
    return Path(storage.path(field_file.name)).relative_to(settings.MEDIA_ROOT).as_posix()


def stored_bytes(field_file):
    with field_file.storage.open(field_file.name, "rb") as handle:
        return handle.read()
