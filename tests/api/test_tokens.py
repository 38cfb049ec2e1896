"""Personal API tokens: made on the portal, shown once, stored hashed, refused once expired
or revoked, and only ever the user's own."""

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import tenant_context

from portal.users import services
from portal.users.models import ApiToken
from tests.api.conftest import ApiClient


def create(person, **kwargs):
    kwargs = {"name": "PSA sync", "scope": "write", "days": 30, **kwargs}
    with tenant_context(person.tenant):
        return services.create_api_token(person.user, **kwargs)


def test_the_secret_is_never_stored_only_its_hash_and_a_visible_prefix(world):
    token, secret = create(world["alpha_agent"])
    with tenant_context(world.alpha):
        row = ApiToken.objects.get(pk=token.pk)
        stored = [str(value) for value in row.__dict__.values()]
    assert secret.startswith("ppe_") and len(secret) == 44
    assert not any(secret in value for value in stored)
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert row.prefix == secret[:12]


def test_the_token_page_shows_the_secret_once_then_only_its_prefix(world):
    client = world["alpha_customer1"].client()
    response = client.post("/profile/tokens/new/", {"name": "My tool", "scope": "read",
                                                    "days": 90})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.encode() in response.content
    assert "no-store" in response["Cache-Control"]
    listing = client.get("/profile/tokens/")
    assert secret.encode() not in listing.content
    assert secret[:12].encode() in listing.content
    with tenant_context(world.alpha):
        token = ApiToken.objects.get(user=world["alpha_customer1"].user)
    assert token.scope == "read"
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)


def test_the_profile_links_to_the_token_page(world):
    response = world["alpha_agent"].client().get("/profile/")
    assert b'href="/profile/tokens/"' in response.content


def test_the_token_page_lists_only_my_tokens(world):
    create(world["alpha_admin"], name="Admin's tool")
    response = world["alpha_agent"].client().get("/profile/tokens/")
    assert b"Admin&#x27;s tool" not in response.content


@override_settings(API_TOKEN_MAX_DAYS=365)
def test_a_token_expires_within_a_year(world):
    with pytest.raises(ValidationError) as error:
        create(world["alpha_agent"], days=366)
    assert "days" in error.value.message_dict
    response = world["alpha_agent"].client().post(
        "/profile/tokens/new/", {"name": "Forever", "scope": "write", "days": 3650})
    assert response.status_code == 200 and "secret" not in response.context
    assert response.context["form"].errors["days"]


def test_an_expired_token_is_refused(world):
    token, secret = create(world["alpha_agent"])
    client = ApiClient(world.alpha.primary_domain, secret)
    assert client.get("/api/v1/devices").status_code == 200
    with tenant_context(world.alpha):
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    response = client.get("/api/v1/devices")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused(world):
    token, secret = create(world["alpha_agent"])
    client = ApiClient(world.alpha.primary_domain, secret)
    assert client.get("/api/v1/devices").status_code == 200
    response = world["alpha_agent"].client().post(f"/profile/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert client.get("/api/v1/devices").status_code == 401
    with tenant_context(world.alpha):
        assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_nobody_revokes_someone_elses_token(world):
    token, secret = create(world["alpha_customer1"])
    response = world["alpha_admin"].client().post(f"/profile/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    assert ApiClient(world.alpha.primary_domain, secret).get("/api/v1/devices").status_code \
        == 200


def test_a_deactivated_users_token_is_refused(world):
    _token, secret = create(world["alpha_agent"])
    with tenant_context(world.alpha):
        type(world["alpha_agent"].user).objects.filter(
            pk=world["alpha_agent"].user.pk).update(is_active=False)
    assert ApiClient(world.alpha.primary_domain, secret).get("/api/v1/devices").status_code \
        == 401


def test_last_used_is_written_at_most_once_a_minute(world):
    token, secret = create(world["alpha_agent"])
    now = timezone.now()
    with tenant_context(world.alpha):
        assert services.api_token_for(secret, now).last_used_at == now
        assert services.api_token_for(secret, now + timedelta(seconds=30)).last_used_at == now
        later = now + timedelta(seconds=61)
        assert services.api_token_for(secret, later).last_used_at == later
        assert ApiToken.objects.get(pk=token.pk).last_used_at == later


def test_the_list_says_when_a_token_was_last_used(world):
    _token, secret = create(world["alpha_agent"], name="Nightly sync")
    client = world["alpha_agent"].client()
    assert b"Never" in client.get("/profile/tokens/").content
    ApiClient(world.alpha.primary_domain, secret).get("/api/v1/devices")
    assert b"Never" not in client.get("/profile/tokens/").content


def test_a_token_works_on_its_own_portal_only(world):
    _token, secret = create(world["beta_agent"])
    assert ApiClient(world.beta.primary_domain, secret).get("/api/v1/devices").status_code \
        == 200
    assert ApiClient(world.alpha.primary_domain, secret).get("/api/v1/devices").status_code \
        == 401
