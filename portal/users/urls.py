from django.urls import include, path

from . import views

# Routes every portal has, the console included.
account_urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("profile/", views.profile, name="profile"),
    path("language/", views.set_language, name="set_language"),
    path("invitation/<str:uidb36>/<str:key>/", views.accept_invitation, name="accept_invitation"),
]

# Managing the people of one portal: partner users on a partner portal, vendor staff on
# the console.
user_urlpatterns = [
    path("", views.user_list, name="user_list"),
    path("invite/", views.user_invite, name="user_invite"),
    path("<int:pk>/", views.user_edit, name="user_edit"),
    path("<int:pk>/resend/", views.user_resend_invitation, name="user_resend_invitation"),
]

# A user's own API tokens: partner users' on partner portals, CSMs' on the console.
api_token_urlpatterns = [
    path("", views.api_token_list, name="api_token_list"),
    path("new/", views.api_token_create, name="api_token_create"),
    path("<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
]

# The partner's integration tokens (partner administrators).
service_token_urlpatterns = [
    path("", views.service_token_list, name="service_token_list"),
    path("new/", views.service_token_create, name="service_token_create"),
    path("<int:pk>/", views.service_token_edit, name="service_token_edit"),
    path("<int:pk>/revoke/", views.service_token_revoke, name="service_token_revoke"),
]
