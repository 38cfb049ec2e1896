from django.urls import path

from . import views

urlpatterns = [
    path("", views.product_list, name="catalogue_product_list"),
    path("new/", views.product_create, name="catalogue_product_create"),
    path("<int:pk>/", views.product_edit, name="catalogue_product_edit"),
]
