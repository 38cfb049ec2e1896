from django.urls import path

from . import console_views as views

urlpatterns = [
    path("", views.console_report_list, name="console_report_list"),
    path("<slug:slug>/<int:pk>/", views.console_report_detail, name="console_report_detail"),
    path("<slug:slug>/<int:pk>/pdf/", views.console_report_pdf, name="console_report_pdf"),
    path("<slug:slug>/<int:pk>/action/", views.console_report_action,
         name="console_report_action"),
]
