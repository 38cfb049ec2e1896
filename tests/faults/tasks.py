"""Tasks the fault tests hand to a real worker (loaded with the worker's --include), and
hooks that slow or cut the portal's own tasks in that worker, chosen by the environment:

- FAULT_HOOKS: a comma-separated list of `slow-report` (the first report computed waits
  FAULT_SLOW_SECONDS inside its transaction), `slow-lens` (the first Lens file written
  waits as long, inside its transaction, its devices written but not committed) and
  `cut-report` (the first report computed runs `pg_sleep` on its connection, for the test
  to cut it);
- FAULT_HOOK_DIR: where each hook leaves a file when it fires (the test waits for it).
Each hook fires once per directory, so the worker that takes over runs at full speed.
"""

import os
import time
from pathlib import Path

from django.db import connection

from portal.celery import app

HOOKS = set(filter(None, os.environ.get("FAULT_HOOKS", "").split(",")))
SLOW_SECONDS = float(os.environ.get("FAULT_SLOW_SECONDS", "30"))


@app.task(acks_late=True)
def nap(seconds):
    time.sleep(seconds)


@app.task
def touch(path):
    Path(path).write_text("done")


def _first_time(name):
    """True the first time the hook `name` fires (it leaves its file)."""
    marker = Path(os.environ["FAULT_HOOK_DIR"]) / name
    try:
        marker.open("x").close()
    except FileExistsError:
        return False
    return True


def _install():
    from inventory.lens import bulk, writing
    from reporting import figures

    real_compute, real_import_file = figures.compute, bulk.import_file
    real_apply = writing.apply_lens_rows

    def compute(*args, **kwargs):
        if "slow-report" in HOOKS and _first_time("slow-report"):
            time.sleep(SLOW_SECONDS)
        if "cut-report" in HOOKS and _first_time("cut-report"):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(%s)", [SLOW_SECONDS])
        return real_compute(*args, **kwargs)

    def import_file(*args, **kwargs):
        result = real_import_file(*args, **kwargs)
        if result is not None and "slow-lens" in HOOKS and _first_time("slow-lens"):
            time.sleep(SLOW_SECONDS)
        return result

    def apply_lens_rows(*args, **kwargs):
        # A file the database path leaves to the row-by-row check.
        result = real_apply(*args, **kwargs)
        if "slow-lens" in HOOKS and _first_time("slow-lens"):
            time.sleep(SLOW_SECONDS)
        return result

    figures.compute, bulk.import_file = compute, import_file
    writing.apply_lens_rows = apply_lens_rows


if HOOKS:
    _install()
