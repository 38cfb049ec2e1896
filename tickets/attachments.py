"""Ticket attachments: a short list of types, each checked by its content, and a size limit."""

from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Attachment, Comment

# extension → (content type, signatures the file must start with; empty = text)
ALLOWED_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".zip": ("application/zip", (b"PK\x03\x04", b"PK\x05\x06")),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              (b"PK\x03\x04",)),
    ".txt": ("text/plain", ()),
    ".log": ("text/plain", ()),
    ".csv": ("text/csv", ()),
}


def allowed_extensions():
    return ", ".join(sorted(extension.lstrip(".") for extension in ALLOWED_TYPES))


def _looks_like_text(head):
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still text.
        if error.start < len(head) - 3:
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                return False
    return True


def check_upload(upload):
    """Raises a ValidationError naming what is wrong; returns the content type otherwise."""
    name = PurePath(upload.name or "").name
    extension = PurePath(name).suffix.lower()
    if extension not in ALLOWED_TYPES:
        raise ValidationError(
            _("“%(name)s” cannot be attached: allowed types are %(types)s.") % {
                "name": name, "types": allowed_extensions()}, code="type")
    if upload.size > settings.TICKET_ATTACHMENT_MAX_BYTES:
        raise ValidationError(_("“%(name)s” is %(size)s; the limit is %(limit)s.") % {
            "name": name, "size": filesizeformat(upload.size),
            "limit": filesizeformat(settings.TICKET_ATTACHMENT_MAX_BYTES)}, code="size")
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="empty")
    content_type, signatures = ALLOWED_TYPES[extension]
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    fits = head.startswith(signatures) if signatures else _looks_like_text(head)
    if not fits:
        raise ValidationError(
            _("“%(name)s” does not contain what its name says (%(extension)s).") % {
                "name": name, "extension": extension.lstrip(".")}, code="content")
    return content_type


def store_attachment(comment, upload):
    """Attaches `upload` to `comment`, which changes: the comment's answer lists its files."""
    content_type = check_upload(upload)
    attachment = Attachment.objects.create(
        comment=comment, file=upload, filename=PurePath(upload.name).name[:255],
        content_type=content_type, size=upload.size)
    Comment.objects.filter(pk=comment.pk).update(updated_at=timezone.now())
    return attachment


def open_attachment(attachment):
    return attachment.file.storage.open(attachment.file.name, "rb")


def attachment_response(attachment):
    """The file as a download, with the type read from its content at upload."""
    try:
        handle = open_attachment(attachment)
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(handle, as_attachment=True, filename=attachment.filename,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
