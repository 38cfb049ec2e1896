"""What the outbox costs a request: opening a ticket through its page with every task written
to the database first and handed to the broker after commit, against the tasks sent straight
to the broker after commit as before the outbox (`.delay`, switched here only).

Needs a database where `manage.py migrate_schemas` and `manage.py seed_demo` have run (as
`make run` leaves it) and a reachable Redis, through the same variables as the app:

    DATABASE_URL=postgres://… REDIS_URL=redis://… python bench/outbox.py [--tickets 200]

In-process (Django's test client, as Northwind's demo partner administrator), it opens
tickets for Contoso (NW-100201) on /tickets/new/, alternating the two ways, and prints the
median and 95th percentile of each and the ratio of the medians. Each ticket queues its
e-mails and webhook deliveries as usual. The tasks go to a queue of their own, emptied at
the end, and the bench's tickets, tasks and deliveries are deleted.
"""

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
HOST = "northwind.localhost"
EMAIL = "admin@northwind-uc.example"
SITE_ID = "NW-100201"
SUBJECT = "Outbox bench"
QUEUE = "outbox-bench"


def setup_django():
    sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("DEBUG", "0")
    # The demo admin has no second factor; enforcement would send every page to enrolment.
    os.environ["MFA_REQUIRED"] = "0"
    # No worker takes the bench's tasks: they wait in a queue of their own, emptied after.
    os.environ["CELERY_QUEUE"] = QUEUE
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    import django

    django.setup()


def straight_to_the_broker():
    """Every `enqueue_on_commit` of the portal replaced by `.delay` after commit, as tasks
    were sent before the outbox; returns a function that puts the outbox back."""
    from django.db import transaction

    from portal.outbox import services

    def send_after_commit(task, *args, **kwargs):
        transaction.on_commit(lambda: task.delay(*args, **kwargs))

    modules = [module for module in list(sys.modules.values())
               if getattr(module, "enqueue_on_commit", None) is services.enqueue_on_commit
               and module is not services]
    for module in modules:
        module.enqueue_on_commit = send_after_commit

    def restore():
        for module in modules:
            module.enqueue_on_commit = services.enqueue_on_commit

    return restore


def sign_in():
    from django.test import Client
    from django_tenants.utils import tenant_context

    from portal.tenants.models import Domain
    from portal.users.models import User

    partner = Domain.objects.select_related("tenant").get(domain=HOST).tenant
    client = Client(HTTP_HOST=HOST)
    with tenant_context(partner):
        client.force_login(User.objects.get(email=EMAIL))
    return partner, client


def open_ticket(client, number):
    start = time.perf_counter()
    response = client.post("/tickets/new/", {
        "site_id": SITE_ID, "subject": f"{SUBJECT} {number}", "description": "Timed.",
        "category": "technical", "priority": "P3"})
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 302:
        raise SystemExit(f"POST /tickets/new/ answered {response.status_code}: is the demo "
                         "seeded?")
    return elapsed


def clean_up(partner, first_task_id):
    from celery import current_app
    from django_tenants.utils import tenant_context

    from portal.outbox.models import PendingTask
    from portal.webhooks.models import Delivery
    from tickets.models import Ticket

    with tenant_context(partner):
        mine = Ticket.objects.filter(subject__startswith=SUBJECT)
        Delivery.objects.filter(payload__data__subject__startswith=SUBJECT).delete()
        Ticket.history.filter(subject__startswith=SUBJECT).delete()
        mine.delete()
    PendingTask.objects.filter(pk__gte=first_task_id).delete()
    with current_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(QUEUE)


def summary(label, samples):
    median = statistics.median(samples)
    p95 = statistics.quantiles(samples, n=20, method="inclusive")[18]
    print(f"{label:<34} median {median:7.2f} ms   p95 {p95:7.2f} ms")
    return median


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200, help="timed tickets each way")
    parser.add_argument("--warmup", type=int, default=10, help="untimed tickets each way")
    args = parser.parse_args()
    if args.tickets < 2:
        parser.error("--tickets must be at least 2")
    setup_django()

    from django.db.models import Max

    from portal.outbox.models import PendingTask

    first_task_id = (PendingTask.objects.aggregate(last=Max("pk"))["last"] or 0) + 1
    partner, client = sign_in()
    outbox, direct = [], []
    try:
        for number in range(args.warmup + args.tickets):
            # Alternating keeps any drift of the machine out of the comparison.
            timed_outbox = open_ticket(client, number)
            restore = straight_to_the_broker()
            try:
                timed_direct = open_ticket(client, number)
            finally:
                restore()
            if number >= args.warmup:
                outbox.append(timed_outbox)
                direct.append(timed_direct)
        recorded = PendingTask.objects.filter(pk__gte=first_task_id).count()
    finally:
        clean_up(partner, first_task_id)

    print(f"{args.tickets} tickets opened each way after {args.warmup} warm-up, in-process, "
          f"Host {HOST}, signed in as {EMAIL}; {recorded} tasks recorded by the outbox")
    outbox_median = summary("outbox (recorded, then handed over)", outbox)
    direct_median = summary("straight to the broker (.delay)", direct)
    print(f"outbox / straight (medians)        {outbox_median / direct_median:.2f}x")


if __name__ == "__main__":
    main()
