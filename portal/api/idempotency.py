"""`Idempotency-Key` on every POST: a request sent again with the same key gets the first
answer back and creates nothing; the same key with another request is refused (422).

The key is claimed by inserting its row, in the same transaction as the operation: a
second request with the key waits on the unique index until the first has finished, then
finds the stored answer. Only successful answers are kept: a failed request created
nothing, so sending it again runs it again.
"""

import hashlib
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .auth import authenticate
from .models import IdempotencyKey
from .problems import (
    UNREADABLE,
    IdempotencyKeyReused,
    Problem,
    problem_response,
    unreadable_problem,
    validation_problem,
)

HEADER = "Idempotency-Key"
MAX_LENGTH = 255
REPLAYED_HEADER = "Idempotent-Replayed"


def _multipart_parts(request):
    """A multipart request's fields and files, read through Django's parser: its raw body
    may exceed DATA_UPLOAD_MAX_MEMORY_SIZE (an export of many megabytes) and cannot be read
    twice. The multipart boundary, random per request, is left out."""
    for name, values in sorted(request.POST.lists()):
        for value in values:
            yield f"field:{name}".encode()
            yield value.encode()
    for name, uploads in sorted(request.FILES.lists()):
        for upload in uploads:
            yield f"file:{name}:{upload.name}".encode()
            upload.seek(0)
            yield b"".join(upload.chunks())
            upload.seek(0)


def request_hash(request):
    digest = hashlib.sha256()
    if request.content_type == "multipart/form-data":
        body = _multipart_parts(request)
    else:
        body = [request.body]
    for part in (request.method.encode(), request.path.encode(), *body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def replay(record):
    response = HttpResponse(record.response_body, status=record.response_status,
                            content_type=record.response_type or "application/json")
    response[REPLAYED_HEADER] = "true"
    return response


def claim(user, key, request, now=None):
    """(the new record, None) for a fresh key; (None, the stored answer) for a repeat."""
    now = now or timezone.now()
    fingerprint = request_hash(request)
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(
                    user=user, key=key, method=request.method, path=request.path[:500],
                    request_hash=fingerprint), None
        except IntegrityError:
            record = IdempotencyKey.objects.filter(user=user, key=key).first()
        if record is None:
            continue  # purged meanwhile
        if record.created_at < now - timedelta(hours=settings.API_IDEMPOTENCY_HOURS):
            record.delete()  # forgotten: the key is free again
            continue
        if record.request_hash != fingerprint:
            raise IdempotencyKeyReused()
        return None, replay(record)
    raise IntegrityError("the idempotency key could not be claimed")


def idempotent(run):
    """Wraps an operation's run (ninja view mode): nothing changes without the header."""

    @wraps(run)
    def wrapper(request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None:
            return run(request, *args, **kwargs)
        try:
            credential = authenticate(request)
        except Exception:
            credential = None
        if credential is None:
            return run(request, *args, **kwargs)  # the operation refuses it in its own words
        key = key.strip()
        if not key or len(key) > MAX_LENGTH:
            return validation_problem(request, {HEADER: [
                _("Send a key of 1 to %(max)d characters, e.g. a UUID.") % {"max": MAX_LENGTH}]})
        with transaction.atomic():
            try:
                record, answer = claim(credential.user, key, request)
            except UNREADABLE as error:  # a malformed upload: nothing to remember
                return unreadable_problem(request, error)
            except Problem as problem:
                return problem_response(request, problem.status, title=problem.title(),
                                        detail=problem.detail, slug=problem.slug,
                                        errors=problem.errors)
            if answer is not None:
                return answer
            response = run(request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                record.response_status = response.status_code
                record.response_body = response.content.decode()
                record.response_type = response.get("Content-Type", "")
                record.save(update_fields=["response_status", "response_body",
                                           "response_type"])
            else:
                transaction.set_rollback(True)
        return response

    return wrapper


def purge(now=None):
    """Forgets the keys older than API_IDEMPOTENCY_HOURS (in the current schema)."""
    now = now or timezone.now()
    return IdempotencyKey.objects.filter(
        created_at__lt=now - timedelta(hours=settings.API_IDEMPOTENCY_HOURS)).delete()[0]
