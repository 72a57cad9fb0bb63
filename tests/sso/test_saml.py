"""SAML 2.0 sign-in against a loopback identity provider (pysaml2 playing the IdP, signing with xmlsec1)."""

import pytest
from django.test import Client

from servicedesk.accounts.models import Role, User
from servicedesk.sso.models import ExternalIdentity

pytestmark = pytest.mark.django_db

ATTRIBUTES = {"mail": ["wu.fang@corp.example"], "givenName": ["芳"], "sn": ["吴"], "role": ["staff", "helpdesk"]}


def start(client: Client) -> str:
    response = client.get("/sso/corp-saml/start/")
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def test_metadata_names_the_assertion_consumer_service(saml_provider):
    response = Client().get("/sso/corp-saml/metadata/")
    assert response.status_code == 200 and response["Content-Type"] == "application/samlmetadata+xml"
    text = response.content.decode()
    assert 'entityID="http://testserver/sso/corp-saml/metadata/"' in text
    assert 'Location="http://testserver/sso/corp-saml/acs/"' in text


def test_a_signed_response_signs_in_and_maps_the_role(saml_provider):
    client = Client()
    posted = saml_provider.idp.answer(client, start(client), "u-1001", ATTRIBUTES)
    response = client.post("/sso/corp-saml/acs/", posted)
    assert response.status_code == 303
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(external_identities__subject="u-1001")
    assert (user.email, user.first_name, user.last_name, user.role) == ("wu.fang@corp.example", "芳", "吴", Role.AGENT)
    assert client.session["sd_signed_in_with"] == "saml:corp-saml"


def test_a_response_signed_by_another_key_is_refused(saml_provider):
    client = Client()
    posted = saml_provider.idp.answer(client, start(client), "u-1002", ATTRIBUTES,
                                      key_folder=saml_provider.idp.folder / "other")
    response = client.post("/sso/corp-saml/acs/", posted)
    assert response.status_code == 400 and "could not be verified" in response.content.decode()
    assert not ExternalIdentity.objects.exists()


def test_a_response_to_a_request_of_another_browser_is_refused(saml_provider):
    victim, attacker = Client(), Client()
    start(victim)
    posted = saml_provider.idp.answer(attacker, start(attacker), "attacker", ATTRIBUTES)
    response = victim.get(victim.post("/sso/corp-saml/acs/", posted)["Location"])
    assert response.status_code == 400 and "_auth_user_id" not in victim.session
    assert not User.objects.filter(email="wu.fang@corp.example").exists()
