"""Routes of the vendor console's pages, mounted by portal/urls_public.py."""

from django.urls import path

from .views import customers, escalations, partners, replacements, reports

partner_urlpatterns = [
    path("", partners.partner_list, name="console_partner_list"),
    path("new/", partners.partner_create, name="console_partner_create"),
    path("<slug:slug>/", partners.partner_detail, name="console_partner_detail"),
    path("<slug:slug>/branding/", partners.partner_branding, name="console_partner_branding"),
    path("<slug:slug>/domains/", partners.partner_domain_add,
         name="console_partner_domain_add"),
    path("<slug:slug>/logo/", partners.partner_logo, name="console_partner_logo"),
    path("<slug:slug>/logo/dark/", partners.partner_logo_dark, name="console_partner_logo_dark"),
    path("<slug:slug>/branding/preview.pdf", partners.partner_branding_preview_pdf,
         name="console_partner_branding_preview_pdf"),
    path("<slug:slug>/sender/", partners.partner_sender, name="console_partner_sender"),
    path("<slug:slug>/customers/", partners.partner_customers,
         name="console_partner_customers"),
    path("<slug:slug>/customers/<int:customer_id>/csm/", partners.partner_customer_csm,
         name="console_partner_customer_csm"),
]

customer_urlpatterns = [
    path("", customers.my_customers, name="console_my_customers"),
    path("<slug:slug>/<int:customer_id>/", customers.my_customer_detail,
         name="console_my_customer_detail"),
    path("<slug:slug>/<int:customer_id>/lens/", customers.csm_lens_upload,
         name="console_csm_lens_upload"),
    path("<slug:slug>/<int:customer_id>/lens/<int:import_id>/", customers.csm_lens_import,
         name="console_csm_lens_import"),
]

escalation_urlpatterns = [
    path("", escalations.escalation_queue, name="escalation_queue"),
    path("<slug:slug>/<int:pk>/", escalations.escalation_detail, name="escalation_detail"),
    path("<slug:slug>/<int:pk>/update/", escalations.escalation_update,
         name="escalation_update"),
    path("<slug:slug>/<int:pk>/attachments/<int:attachment_pk>/",
         escalations.escalation_attachment, name="escalation_attachment"),
]

replacement_urlpatterns = [
    path("", replacements.console_rma_list, name="console_rma_list"),
    path("<slug:slug>/<int:pk>/", replacements.console_rma_detail, name="console_rma_detail"),
    path("<slug:slug>/<int:pk>/advance/", replacements.console_rma_advance,
         name="console_rma_advance"),
]

report_urlpatterns = [
    path("", reports.console_report_list, name="console_report_list"),
    path("quotes/", reports.console_quote_list, name="console_quote_list"),
    path("<slug:slug>/<int:pk>/", reports.console_report_detail, name="console_report_detail"),
    path("<slug:slug>/<int:pk>/pdf/", reports.console_report_pdf, name="console_report_pdf"),
    path("<slug:slug>/<int:pk>/publish/", reports.console_report_publish,
         name="console_report_publish"),
    path("<slug:slug>/<int:pk>/action/", reports.console_report_action,
         name="console_report_action"),
]
