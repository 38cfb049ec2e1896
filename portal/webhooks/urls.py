from django.urls import path

from . import views

urlpatterns = [
    path("", views.endpoint_list, name="webhook_endpoint_list"),
    path("new/", views.endpoint_create, name="webhook_endpoint_create"),
    path("<int:pk>/", views.endpoint_detail, name="webhook_endpoint_detail"),
    path("<int:pk>/delete/", views.endpoint_delete, name="webhook_endpoint_delete"),
    path("<int:pk>/deliveries/<int:delivery_pk>/redeliver/", views.delivery_redeliver,
         name="webhook_delivery_redeliver"),
]
