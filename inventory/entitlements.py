"""What a portal user may download: documents and software of the product models that an
active contract of their customer (or, for partner staff, of any of their customers)
covers today — decided by the catalogue's eligibility rule."""

from contracts.models import Contract
from portal.catalogue.eligibility import coverage


def covered_categories_today(user, today):
    contracts = (Contract.objects.visible_to(user).active().in_force(today)
                 .prefetch_related("lines"))
    categories = set()
    for contract in contracts:
        categories.update(contract.covered_categories)
    return categories


def entitled(product_model, categories, today):
    return coverage(product_model, categories, today).covered


def entitled_models(user, products, today):
    categories = covered_categories_today(user, today)
    return [product for product in products if entitled(product, categories, today)]


def may_download(user, item, today):
    return entitled(item.product_model, covered_categories_today(user, today), today)
