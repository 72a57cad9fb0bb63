"""OpenID Connect sign-in against a real provider on loopback: the whole authorization-code flow with PKCE,
state and nonce; accounts made just in time, found by subject, then by verified address; roles and groups
from the claims; every refusal a page in the person's language."""

import urllib.parse

import pytest
from django.test import Client
from joserfc import jwt
from joserfc.jwk import RSAKey

from servicedesk.accounts.identity import system_user
from servicedesk.accounts.models import Group, Role, User
from servicedesk.core.models import AuditEntry
from servicedesk.sso import oidc
from servicedesk.sso.models import ExternalIdentity
from servicedesk.sso.remote import FlowError

from .conftest import local_path

pytestmark = pytest.mark.django_db


def start(client: Client, provider, next_url: str = "") -> str:
    response = client.get(f"/sso/{provider.slug}/start/" + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def sign_in(client: Client, provider, sub: str, **claims):
    provider.server.set_user(sub, **claims)
    back = provider.server.approve(start(client, provider), sub)
    return client.get(local_path(back))


def test_first_sign_in_makes_a_customer_and_links_the_subject(oidc_provider):
    client = Client()
    authorize = urllib.parse.urlsplit(start(client, oidc_provider))
    query = dict(urllib.parse.parse_qsl(authorize.query))
    assert query["code_challenge_method"] == "S256" and query["code_challenge"] and query["nonce"] and query["state"]
    assert query["redirect_uri"] == "http://testserver/sso/keycloak/callback/"
    oidc_provider.server.set_user("alice-1", email="alice@example.com", email_verified=True, given_name="Alice",
                                  family_name="Liddell")
    response = client.get(local_path(oidc_provider.server.approve(urllib.parse.urlunsplit(authorize), "alice-1")))

    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(email="alice@example.com")
    assert (user.role, user.first_name, user.last_name, user.has_usable_password()) == (
        Role.CUSTOMER, "Alice", "Liddell", False)
    assert ExternalIdentity.objects.get(provider=oidc_provider, subject="alice-1").user == user
    assert client.session["sd_signed_in_with"] == "oidc:keycloak"
    assert int(client.session["_auth_user_id"]) == user.pk
    assert client.get("/")["Location"] == "/portal/"
    trail = AuditEntry.objects.filter(object_id=str(user.pk), channel="sso")
    assert {e.action for e in trail} == {"created", "sso_linked", "sso_signed_in"}
    assert {e.actor_id for e in trail} == {system_user().pk}


def test_the_stored_subject_finds_the_account_even_when_the_address_changed(oidc_provider):
    sign_in(Client(), oidc_provider, "bob-1", email="bob@example.com", email_verified=True)
    response = sign_in(Client(), oidc_provider, "bob-1", email="robert@example.com", email_verified=True)
    assert response.status_code == 302
    assert User.objects.filter(external_identities__subject="bob-1").count() == 1
    assert not User.objects.filter(email="robert@example.com").exists()


def test_an_existing_account_is_found_by_its_verified_address_once(oidc_provider):
    agent = User.objects.create_user("carol", email="Carol@Example.com", password="pw-123456789", role=Role.AGENT)
    oidc_provider.role_claim = ""
    oidc_provider.save()
    client = Client()
    response = sign_in(client, oidc_provider, "carol-1", email="carol@example.com", email_verified=True)
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == agent.pk
    assert ExternalIdentity.objects.get(subject="carol-1").user == agent
    assert client.get("/")["Location"].startswith("/console/")


def test_an_unverified_address_never_takes_over_an_account(oidc_provider):
    User.objects.create_user("dave", email="dave@example.com", password="pw-123456789", role=Role.ADMIN)
    oidc_provider.jit = False
    oidc_provider.save()
    response = sign_in(Client(), oidc_provider, "mallory", email="dave@example.com", email_verified=False)
    assert response.status_code == 403
    assert "There is no account for you at this desk" in response.content.decode()
    assert not ExternalIdentity.objects.exists()


def test_the_role_follows_the_mapped_claim_at_every_sign_in(oidc_provider):
    sign_in(Client(), oidc_provider, "erin", email="erin@example.com", email_verified=True,
            groups=["staff", "sd-agents", "sd-leads"])
    erin = User.objects.get(email="erin@example.com")
    assert erin.role == Role.LEAD
    client = Client()
    sign_in(client, oidc_provider, "erin", email="erin@example.com", email_verified=True, groups=["sd-admins"])
    erin.refresh_from_db()
    assert (erin.role, erin.is_staff, erin.is_superuser) == (Role.ADMIN, True, True)
    sign_in(Client(), oidc_provider, "erin", email="erin@example.com", email_verified=True, groups=[])
    erin.refresh_from_db()
    assert (erin.role, erin.is_staff, erin.is_superuser) == (Role.CUSTOMER, False, False)
    changes = AuditEntry.objects.filter(object_id=str(erin.pk), field="role", channel="sso",
                                        action="changed").order_by("id")
    assert [(c.old_value, c.new_value) for c in changes] == [("Group lead", "Administrator"),
                                                            ("Administrator", "Customer")]


def test_groups_follow_the_mapped_claim(oidc_provider):
    network = Group.objects.create(name="Network team")
    servers = Group.objects.create(name="Server team")
    unmanaged = Group.objects.create(name="Unmanaged")
    oidc_provider.group_claim = "realm_access.roles"
    oidc_provider.group_mapping = {"net": "Network team", "srv": "Server team"}
    oidc_provider.save()
    sign_in(Client(), oidc_provider, "frank", email="frank@example.com", email_verified=True,
            realm_access={"roles": ["net", "srv"]})
    frank = User.objects.get(email="frank@example.com")
    unmanaged.members.add(frank)
    assert set(frank.member_of.values_list("name", flat=True)) == {"Network team", "Server team", "Unmanaged"}
    sign_in(Client(), oidc_provider, "frank", email="frank@example.com", email_verified=True,
            realm_access={"roles": ["srv"]})
    assert set(frank.member_of.values_list("name", flat=True)) == {"Server team", "Unmanaged"}
    assert AuditEntry.objects.filter(object_id=str(network.pk), field="members", channel="sso").count() == 2
    assert servers.members.filter(pk=frank.pk).exists()


def test_next_is_kept_and_foreign_targets_are_dropped(oidc_provider):
    oidc_provider.server.set_user("gina", email="gina@example.com", email_verified=True)
    client = Client()
    back = oidc_provider.server.approve(start(client, oidc_provider, "/portal/tickets/"), "gina")
    assert client.get(local_path(back))["Location"] == "/portal/tickets/"
    client = Client()
    back = oidc_provider.server.approve(start(client, oidc_provider, "https://evil.example/"), "gina")
    assert client.get(local_path(back))["Location"] == "/"


def test_a_state_not_started_in_this_browser_is_refused_in_the_persons_language(oidc_provider):
    oidc_provider.server.set_user("hank", email="hank@example.com", email_verified=True)
    back = oidc_provider.server.approve(start(Client(), oidc_provider), "hank")
    response = Client(headers={"Accept-Language": "zh-hans"}).get(local_path(back))
    assert response.status_code == 400
    assert "此次登录不是在这个浏览器中发起的" in response.content.decode()
    assert not User.objects.filter(email="hank@example.com").exists()


def test_an_answer_is_used_once(oidc_provider):
    oidc_provider.server.set_user("ivy", email="ivy@example.com", email_verified=True)
    client = Client()
    back = local_path(oidc_provider.server.approve(start(client, oidc_provider), "ivy"))
    assert client.get(back).status_code == 302
    client.logout()
    response = client.get(back)
    assert response.status_code == 400 and "_auth_user_id" not in client.session


def test_denied_at_the_provider(oidc_provider):
    client = Client()
    response = client.get(local_path(oidc_provider.server.deny(start(client, oidc_provider))))
    assert response.status_code == 403
    assert "Keycloak did not sign you in (access_denied)" in response.content.decode()


def test_an_address_outside_the_allowed_domains_is_refused(oidc_provider):
    oidc_provider.allowed_domains = "example.cn, @corp.example"
    oidc_provider.save()
    response = sign_in(Client(), oidc_provider, "jack", email="jack@gmail.example", email_verified=True)
    assert response.status_code == 403
    assert "Keycloak signs in people of example.cn, corp.example only" in response.content.decode()
    assert sign_in(Client(), oidc_provider, "kate", email="kate@corp.example", email_verified=True).status_code == 302


def test_a_deactivated_account_is_refused(oidc_provider):
    sign_in(Client(), oidc_provider, "liam", email="liam@example.com", email_verified=True)
    User.objects.filter(email="liam@example.com").update(is_active=False)
    client = Client()
    response = sign_in(client, oidc_provider, "liam", email="liam@example.com", email_verified=True)
    assert response.status_code == 403 and "deactivated" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_provider_that_is_down_gets_a_page_not_an_error(oidc_provider):
    from tests.services import free_port

    oidc_provider.issuer = f"http://127.0.0.1:{free_port()}"
    oidc_provider.save()
    response = Client().get("/sso/keycloak/start/")
    assert response.status_code == 502
    assert "Keycloak could not be reached" in response.content.decode()


def test_a_disabled_or_unknown_provider_is_not_there(oidc_provider):
    oidc_provider.enabled = False
    oidc_provider.save()
    assert Client().get("/sso/keycloak/start/").status_code == 404
    assert Client().get("/sso/nobody/callback/?state=x").status_code == 404


def test_the_sign_in_page_offers_the_enabled_providers(oidc_provider):
    page = Client().get("/login/?next=/portal/").content.decode()
    assert 'href="/sso/keycloak/start/?next=/portal/"' in page and "Sign in with Keycloak" in page
    oidc_provider.enabled = False
    oidc_provider.save()
    assert "Sign in with" not in Client().get("/login/").content.decode()


def test_an_id_token_signed_with_another_key_is_refused(oidc_provider):
    config = oidc.configuration(oidc_provider)
    claims = {"iss": config["issuer"], "aud": "servicedesk", "sub": "x", "exp": 4102444800, "nonce": "n"}
    forged = jwt.encode({"alg": "RS256", "kid": "not-theirs"}, claims, RSAKey.generate_key(2048))
    with pytest.raises(FlowError):
        oidc.verified_claims(oidc_provider, config, forged, "n")


def test_an_id_token_for_another_nonce_is_refused(oidc_provider):
    oidc_provider.server.set_user("mia", email="mia@example.com", email_verified=True)
    client = Client()
    back = oidc_provider.server.approve(start(client, oidc_provider), "mia")
    session = client.session
    flows = session["sso_flows"]
    for flow in flows.values():
        flow["nonce"] = "another"
    session["sso_flows"] = flows
    session.save()
    response = client.get(local_path(back))
    assert response.status_code == 400 and "could not be verified" in response.content.decode()


def test_external_identities_are_in_the_personal_data_export_and_erased(oidc_provider):
    from servicedesk.people.registry import registered

    sign_in(Client(), oidc_provider, "nora", email="nora@example.com", email_verified=True)
    nora = User.objects.get(email="nora@example.com")
    part = next(p for p in registered() if p.label == "sso")
    assert [(i["provider"], i["subject"], i["email"]) for i in part.export(nora)] == [
        ("Keycloak", "nora", "nora@example.com")]
    part.erase(nora)
    assert not ExternalIdentity.objects.filter(user=nora).exists()
