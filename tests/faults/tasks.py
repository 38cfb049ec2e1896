"""Tasks the fault tests hand to a real worker (loaded with the worker's --include)."""

import time
from pathlib import Path

from portal.celery import app


@app.task(acks_late=True)
def nap(seconds):
    time.sleep(seconds)


@app.task
def touch(path):
    Path(path).write_text("done")
