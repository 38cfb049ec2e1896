from django.db.models import Q
from django.utils import timezone

from .models import ProductModel


def search_products(*, q="", category="", line="", lifecycle="", today=None):
    today = today or timezone.localdate()
    products = ProductModel.objects.all()
    if q:
        products = products.filter(
            Q(sku__icontains=q) | Q(name__icontains=q) | Q(family__icontains=q)
        )
    if category:
        products = products.filter(category=category)
    if line == "standard":
        products = products.filter(quote_only_line="")
    elif line:
        products = products.filter(quote_only_line=line)
    if lifecycle == "supported":
        products = products.filter(
            Q(end_of_life__isnull=True) | Q(end_of_life__gte=today),
            Q(end_of_service__isnull=True) | Q(end_of_service__gte=today),
        )
    elif lifecycle == "end_of_life":
        products = products.filter(end_of_life__lt=today)
    elif lifecycle == "end_of_service":
        products = products.filter(end_of_service__lt=today)
    return products
