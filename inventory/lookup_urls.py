from django.urls import path

from . import lookups

urlpatterns = [
    path("licences/", lookups.licence_lookup, name="licence_lookup"),
    path("parts/", lookups.part_lookup, name="part_lookup"),
    path("downloads/", lookups.downloads, name="downloads"),
    path("downloads/<str:kind>/<int:pk>/", lookups.download, name="download"),
    path("firmware/", lookups.firmware_compliance, name="firmware_compliance"),
]
