"""The WSGI application gunicorn serves (`portal.wsgi:application`)."""

import gc
import os
import threading

from django.core.signals import request_finished
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

application = get_wsgi_application()

# Answers a worker has sent before what it keeps for good is all made: URL patterns,
# compiled templates, translation catalogues, prepared reads.
WARM_UP_ANSWERS = 50


def freeze_when_warm(answers=WARM_UP_ANSWERS):
    """After the worker's `answers`-th answer has gone out, once: a full collection, then
    every object alive moved out of the collector's reach (gc.freeze). A full collection
    walks every tracked object of the process, about 200,000 once the portal is loaded:
    70 ms, in the middle of a request. After the freeze it walks what requests made."""
    lock = threading.Lock()
    sent = 0

    def finished(sender, **kwargs):
        nonlocal sent
        with lock:
            sent += 1
            if sent != answers:
                return
        request_finished.disconnect(finished)
        gc.collect()
        gc.freeze()

    request_finished.connect(finished, weak=False)
    return finished


freeze_once_warm = freeze_when_warm()
