from django.urls import path

from . import console_views as views

urlpatterns = [
    path("", views.console_rma_list, name="console_rma_list"),
    path("<slug:slug>/<int:pk>/", views.console_rma_detail, name="console_rma_detail"),
    path("<slug:slug>/<int:pk>/advance/", views.console_rma_advance,
         name="console_rma_advance"),
]
