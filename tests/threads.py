"""Actions run at once in threads, each with its own database connection: what they
commit, the test's own rolled-back transaction does not hide from the others."""

import threading

from django.db import connection
from django_tenants.utils import tenant_context


def at_once(tenant, actions, names=None):
    """Runs each action in a thread of its own (its own connection), all released together;
    returns what each returned or raised, in order."""
    names = names or [None] * len(actions)
    barrier = threading.Barrier(len(actions))
    results = [None] * len(actions)

    def run(index, action):
        try:
            with tenant_context(tenant):
                barrier.wait(timeout=30)
                results[index] = action()
        except Exception as error:  # noqa: BLE001 — the test looks at each outcome
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, action), name=name)
               for index, (action, name) in enumerate(zip(actions, names, strict=True))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
