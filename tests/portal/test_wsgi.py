"""A served worker moves what it has made by its first answers out of the collector's
reach, once (portal/wsgi.py)."""

import gc

from django.core.signals import request_finished


def test_a_worker_freezes_what_it_made_once_warm_and_only_once(monkeypatch):
    from portal import wsgi

    # The module's own (after 50 answers) would freeze this test process.
    request_finished.disconnect(wsgi.freeze_once_warm)
    collections = []
    collect = gc.collect
    monkeypatch.setattr(gc, "collect", lambda: collections.append(1) or collect())
    gc.unfreeze()
    try:
        finished = wsgi.freeze_when_warm(answers=3)
        for _answer in range(2):
            finished(sender=None)
        assert gc.get_freeze_count() == 0 and collections == []
        finished(sender=None)
        assert gc.get_freeze_count() > 10_000 and collections == [1]
        assert not request_finished.disconnect(finished)  # done with: no longer listening
        finished(sender=None)
        assert collections == [1]
    finally:
        gc.unfreeze()
