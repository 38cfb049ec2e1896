from django.urls import path

from . import views

urlpatterns = [
    path("", views.device_list, name="device_list"),
    path("register/", views.device_register, name="device_register"),
    path("register/bulk/", views.device_register_bulk, name="device_register_bulk"),
    path("imports/", views.lens_import_list, name="lens_import_list"),
    path("imports/new/", views.lens_import_create, name="lens_import_create"),
    path("imports/<int:pk>/", views.lens_import_detail, name="lens_import_detail"),
    path("imports/<int:pk>/review/confirm/", views.lens_import_review_confirm,
         name="lens_import_review_confirm"),
    path("imports/<int:pk>/review/discard/", views.lens_import_review_discard,
         name="lens_import_review_discard"),
    path("imports/<int:pk>/mapping/", views.lens_import_mapping, name="lens_import_mapping"),
    path("imports/columns/", views.lens_header_mapping_list,
         name="lens_header_mapping_list"),
    path("imports/columns/<int:pk>/", views.lens_header_mapping_edit,
         name="lens_header_mapping_edit"),
    path("imports/columns/<int:pk>/delete/", views.lens_header_mapping_delete,
         name="lens_header_mapping_delete"),
    path("imports/<int:pk>/retry/", views.lens_import_retry, name="lens_import_retry"),
]
