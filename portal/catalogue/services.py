from __future__ import annotations

import hashlib
from datetime import date
from pathlib import PurePath
from typing import IO, Any

from django.core.files import File
from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Document, ProductModel, SoftwareRelease, SparePart

# The file kinds of the download URL, /catalogue/files/<kind>/<pk>/.
FILE_KINDS: dict[str, type[Document] | type[SoftwareRelease]] = {
    "document": Document, "release": SoftwareRelease}


def search_products(*, q: str = "", category: str = "", line: str = "", lifecycle: str = "",
                    today: date | None = None) -> QuerySet[ProductModel]:
    today = today or timezone.localdate()
    products = ProductModel.objects.all()
    if q:
        products = products.filter(
            Q(sku__icontains=q) | Q(name__icontains=q) | Q(family__icontains=q)
        )
    if category:
        products = products.filter(category=category)
    if line == "standard":
        products = products.filter(quote_only_line="")
    elif line:
        products = products.filter(quote_only_line=line)
    if lifecycle == "supported":
        products = products.filter(
            Q(end_of_life__isnull=True) | Q(end_of_life__gte=today),
            Q(end_of_service__isnull=True) | Q(end_of_service__gte=today),
        )
    elif lifecycle == "end_of_life":
        products = products.filter(end_of_life__lt=today)
    elif lifecycle == "end_of_service":
        products = products.filter(end_of_service__lt=today)
    return products


def search_parts(*, q: str = "") -> QuerySet[SparePart]:
    parts = SparePart.objects.prefetch_related("compatible_models")
    if q:
        parts = parts.filter(
            Q(part_number__icontains=q) | Q(description__icontains=q)
            | Q(compatible_models__sku__icontains=q) | Q(compatible_models__name__icontains=q)
        ).distinct()
    return parts


def sha256_of(upload: File) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _file_fields(upload: File) -> dict[str, Any]:
    return {"file": upload, "original_filename": PurePath(upload.name or "").name[:255],
            "size": upload.size}


def add_document(product_model: ProductModel, *, title: str, kind: str, language: str,
                 file: File) -> Document:
    return Document.objects.create(product_model=product_model, title=title, kind=kind,
                                   language=language, **_file_fields(file))


def add_release(product_model: ProductModel, *, version: str, release_date: date,
                release_notes: str, file: File) -> SoftwareRelease:
    """Stores a release; its checksum is always computed here, from the file's content."""
    return SoftwareRelease.objects.create(
        product_model=product_model, version=version, release_date=release_date,
        release_notes=release_notes, checksum_sha256=sha256_of(file), **_file_fields(file))


def catalogue_file(kind: str, pk: int) -> Document | SoftwareRelease | None:
    """The document or software release a download URL names, or None."""
    model = FILE_KINDS.get(kind)
    if model is None:
        return None
    return model.objects.select_related("product_model").filter(pk=pk).first()


def open_catalogue_file(item: Document | SoftwareRelease) -> IO[bytes]:
    """An open binary handle on the stored file; FileNotFoundError if it has gone.

    Whoever calls it decides who may download: the console lets all vendor staff in.
    """
    if not item.file:
        raise FileNotFoundError(item.pk)
    return item.file.storage.open(item.file.name, "rb")
