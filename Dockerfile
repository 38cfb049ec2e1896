# syntax=docker/dockerfile:1
# One image for the web server, the Celery worker and Celery beat (see docker-compose.yml).
FROM python:3.11-slim

# PYTHONPATH: the packages are also installed into site-packages by `pip install .`, but
# settings derive BASE_DIR (templates, static, locale) from where `portal` is imported,
# so /app must win over the installed copy for gunicorn and celery as well as manage.py.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

# WeasyPrint (PDF reports) needs Pango and a font at run time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 portal \
    && useradd --system --uid 1000 --gid portal --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin portal

WORKDIR /app

# pip's setuptools build needs every package named in pyproject's packages.find.
COPY . .
RUN pip install . \
    && rm -rf build ./*.egg-info

# PRODUCTION=1 so the manifest storage writes staticfiles.json, which it reads at run time.
# The key only lets settings load; it is not kept in the image.
RUN PRODUCTION=1 SECRET_KEY=collectstatic-at-build-time-only-not-a-real-secret-key-0123456789 \
    python manage.py collectstatic --noinput

# Files on the local disk (STORAGE_BACKEND=local, one host only; docker-compose.yml uses
# the S3 store instead): an empty named volume takes this directory's ownership, so uploads
# are writable by the unprivileged user. The code itself stays root-owned and read-only.
RUN mkdir -p /app/media && chown portal:portal /app/media
ENV MEDIA_ROOT=/app/media

USER portal

EXPOSE 8000

CMD ["sh", "-c", "python manage.py migrate_partners && exec gunicorn portal.wsgi:application --bind 0.0.0.0:8000 --workers 3 --timeout 60 --worker-tmp-dir /dev/shm"]
