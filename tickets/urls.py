from django.urls import path

from . import views

urlpatterns = [
    path("", views.ticket_list, name="ticket_list"),
    path("new/", views.ticket_create, name="ticket_create"),
    path("<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("<int:pk>/comment/", views.ticket_comment, name="ticket_comment"),
    path("<int:pk>/status/", views.ticket_status, name="ticket_status"),
]
