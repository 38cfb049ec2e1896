"""Copies the files of a local media folder into the configured store, each under its path
in the folder as key (the keys the portal reads), so that a deployment can move from
the shared volume to an S3-compatible bucket:

    STORAGE_BACKEND=s3 AWS_STORAGE_BUCKET_NAME=... python manage.py move_files_to_storage

Idempotent: a key already in the store is left as it is, so an interrupted run is simply
started again. Local files are kept unless --delete is given (then each is deleted once
it is in the store)."""

from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, storages
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Copies the local media folder's files into the configured file store, keys kept."

    def add_arguments(self, parser):
        parser.add_argument("--source", help="the local folder (default: MEDIA_ROOT)")
        parser.add_argument("--delete", action="store_true",
                            help="delete each local file once it is in the store")

    def handle(self, *args, source=None, delete=False, **options):
        folder = Path(source or settings.MEDIA_ROOT).resolve()
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        store = storages["root"]
        if isinstance(store, FileSystemStorage) and Path(store.location).resolve() == folder:
            raise CommandError(f"The configured storage is this folder ({folder}): set "
                               "STORAGE_BACKEND=s3 and its variables first.")
        copied = present = 0
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            key = path.relative_to(folder).as_posix()
            if store.exists(key):
                present += 1
            else:
                with path.open("rb") as handle:
                    saved = store.save(key, File(handle, name=path.name))
                if saved != key:
                    raise CommandError(f"{key} was stored as {saved}: stopped.")
                copied += 1
            if delete:
                path.unlink()
        self.stdout.write(f"{copied} file(s) copied, {present} already in the store"
                          + (", local copies deleted." if delete else "."))
