from django.urls import path

from . import views

urlpatterns = [
    path("", views.partner_list, name="console_partner_list"),
    path("new/", views.partner_create, name="console_partner_create"),
    path("<slug:slug>/", views.partner_detail, name="console_partner_detail"),
    path("<slug:slug>/branding/", views.partner_branding, name="console_partner_branding"),
    path("<slug:slug>/domains/", views.partner_domain_add, name="console_partner_domain_add"),
    path("<slug:slug>/logo/", views.partner_logo, name="console_partner_logo"),
    path("<slug:slug>/customers/", views.partner_customers, name="console_partner_customers"),
    path("<slug:slug>/customers/<int:customer_id>/csm/", views.partner_customer_csm,
         name="console_partner_customer_csm"),
]

customer_urlpatterns = [
    path("", views.my_customers, name="console_my_customers"),
    path("<slug:slug>/<int:customer_id>/", views.my_customer_detail,
         name="console_my_customer_detail"),
    path("<slug:slug>/<int:customer_id>/lens/", views.csm_lens_upload,
         name="console_csm_lens_upload"),
    path("<slug:slug>/<int:customer_id>/lens/<int:import_id>/", views.csm_lens_import,
         name="console_csm_lens_import"),
]
