from django.urls import path

from . import views

customer_urlpatterns = [
    path("", views.customer_list, name="customer_list"),
    path("new/", views.customer_create, name="customer_create"),
    path("<int:pk>/edit/", views.customer_edit, name="customer_edit"),
    path("<int:pk>/letters/<int:letter_pk>/download/", views.authorisation_letter_download,
         name="authorisation_letter_download"),
    path("<int:pk>/letters/<int:letter_pk>/revoke/", views.authorisation_letter_revoke,
         name="authorisation_letter_revoke"),
]

contract_urlpatterns = [
    path("", views.contract_list, name="contract_list"),
    path("new/", views.contract_create, name="contract_create"),
    path("<int:pk>/edit/", views.contract_edit, name="contract_edit"),
    path("<int:pk>/activate/", views.contract_activate, name="contract_activate"),
    path("<int:pk>/renew/", views.contract_renew, name="contract_renew"),
]
