from django.urls import path

from . import views

urlpatterns = [
    path("", views.rma_list, name="rma_list"),
    path("new/", views.rma_create, name="rma_create"),
    path("preview/", views.rma_preview, name="rma_preview"),
    path("<int:pk>/", views.rma_detail, name="rma_detail"),
    path("<int:pk>/advance/", views.rma_advance, name="rma_advance"),
]
