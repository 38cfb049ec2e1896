from django.urls import path

from . import views

urlpatterns = [
    path("", views.report_list, name="report_list"),
    path("<int:pk>/", views.report_detail, name="report_detail"),
    path("<int:pk>/pdf/", views.report_pdf, name="report_pdf"),
    path("runs/", views.report_run, name="report_run"),
    path("runs/<int:pk>/", views.report_run_detail, name="report_run_detail"),
    path("runs/<int:pk>/retry/", views.report_run_retry, name="report_run_retry"),
    path("quotes/", views.quote_list, name="quote_list"),
    path("quotes/<int:pk>/", views.quote_detail, name="quote_detail"),
    path("quotes/<int:pk>/decide/", views.quote_decide, name="quote_decide"),
]
