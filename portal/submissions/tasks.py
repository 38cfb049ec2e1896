from celery import shared_task

from portal.tenants.schemas import each_active_partner

from . import once


@shared_task
def purge_form_tokens():
    """Forms' one-time tokens live in each partner's schema and, for the vendor console's
    forms, in the public one (where beat runs this task): forget old ones in each."""
    return once.purge() + sum(once.purge() for _ in each_active_partner())
