"""The file storages of the portal (settings.file_storages chooses them).

Code reads and writes files only through these storages (`field.open()`,
`storage.open()`, `storage.save()`), never through a local path: with the S3 backend the
web server and the workers run on different hosts and share nothing but the bucket.
"""

from django.db import connection
from storages.backends.s3 import S3Storage


class PartnerS3Storage(S3Storage):
    """Keys under the schema being served, as django-tenants' TenantFileSystemStorage keeps
    files under one folder per schema: the same names, the same layout, on S3."""

    @property
    def location(self):
        return connection.schema_name

    @location.setter
    def location(self, value):
        # The base class sets the AWS_LOCATION setting here; the schema decides instead.
        pass


def read_bytes(field_file):
    """The whole content of a stored file, whichever backend holds it."""
    with field_file.storage.open(field_file.name, "rb") as handle:
        return handle.read()
