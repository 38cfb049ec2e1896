from django.urls import path

from . import joint_call_views, views

urlpatterns = [
    path("", views.ticket_list, name="ticket_list"),
    path("new/", views.ticket_create, name="ticket_create"),
    path("bulk/", views.ticket_bulk_update, name="ticket_bulk_update"),
    path("<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("<int:pk>/update/", views.ticket_update, name="ticket_update"),
    path("<int:pk>/watch/", views.ticket_watch, name="ticket_watch"),
    path("<int:pk>/joint-calls/", joint_call_views.joint_call_add, name="ticket_joint_call_add"),
    path("<int:pk>/joint-calls/<int:call_pk>/outcome/", joint_call_views.joint_call_outcome,
         name="ticket_joint_call_outcome"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.ticket_attachment,
         name="ticket_attachment"),
]
