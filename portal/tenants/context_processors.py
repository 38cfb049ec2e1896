from .branding import current_brand


def branding(request):
    brand = current_brand()
    return {"brand": brand, "on_console": brand.is_vendor}
