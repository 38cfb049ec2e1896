from django.urls import path

from . import views

urlpatterns = [
    path("", views.product_list, name="catalogue_product_list"),
    path("new/", views.product_create, name="catalogue_product_create"),
    path("<int:pk>/", views.product_edit, name="catalogue_product_edit"),
    path("import/", views.catalogue_import, name="catalogue_import"),
    path("models/<int:pk>/", views.product_detail, name="catalogue_product_detail"),
    path("models/<int:pk>/documents/", views.document_add, name="catalogue_document_add"),
    path("models/<int:pk>/releases/", views.release_add, name="catalogue_release_add"),
    path("files/<slug:kind>/<int:pk>/", views.file_download, name="catalogue_file_download"),
    path("parts/", views.part_list, name="catalogue_part_list"),
    path("parts/new/", views.part_create, name="catalogue_part_create"),
    path("parts/<int:pk>/", views.part_edit, name="catalogue_part_edit"),
]
