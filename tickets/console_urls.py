from django.urls import path

from . import console_views as views

urlpatterns = [
    path("", views.escalation_queue, name="escalation_queue"),
    path("<slug:slug>/<int:pk>/", views.escalation_detail, name="escalation_detail"),
    path("<slug:slug>/<int:pk>/comment/", views.escalation_comment, name="escalation_comment"),
    path("<slug:slug>/<int:pk>/status/", views.escalation_status, name="escalation_status"),
    path("<slug:slug>/<int:pk>/escalate/", views.escalation_escalate,
         name="escalation_escalate"),
    path("<slug:slug>/<int:pk>/cloud/", views.escalation_cloud, name="escalation_cloud"),
    path("<slug:slug>/<int:pk>/attachments/<int:attachment_pk>/", views.escalation_attachment,
         name="escalation_attachment"),
]
