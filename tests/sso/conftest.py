"""Real identity providers on loopback, started by the tests: an OpenID Connect provider
(oidc-provider-mock: a real authorization server issuing RS256-signed ID tokens with a JWKS), and a stand-in
of WeCom's, DingTalk's and Feishu's OAuth endpoints speaking their JSON."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from servicedesk.sso.models import IdentityProvider, Kind


class _NoRedirect(urllib.request.HTTPErrorProcessor):
    def http_response(self, request, response):
        return response

    https_response = http_response


_opener = urllib.request.build_opener(_NoRedirect)


def location(url: str, form: dict | None = None) -> str:
    """Where `url` (GET, or POST of `form`) redirects to, without following it."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    with _opener.open(urllib.request.Request(url, data=data), timeout=10) as response:
        assert response.status in (302, 303), (response.status, response.read()[:500])
        return response.headers["Location"]


def local_path(url: str) -> str:
    """The desk's URL a provider sent the browser back to, as the test client requests it."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.path}?{parts.query}"


class OidcProvider:
    def __init__(self, url: str):
        self.url = url

    def set_user(self, sub: str, **claims) -> None:
        request = urllib.request.Request(f"{self.url}/users/{urllib.parse.quote(sub)}", method="PUT",
                                         data=json.dumps(claims).encode(),
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=10).close()

    def approve(self, authorize_url: str, sub: str) -> str:
        """The person `sub` signs in at the provider's page: the desk's callback URL it redirects to."""
        return location(authorize_url, {"sub": sub})

    def deny(self, authorize_url: str) -> str:
        return location(authorize_url, {"action": "deny"})


@pytest.fixture(scope="session")
def oidc_server():
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread(port=0) as server:
        yield OidcProvider(f"http://localhost:{server.server_port}")


@pytest.fixture
def oidc_provider(db, oidc_server):
    provider = IdentityProvider.objects.create(
        name="Keycloak", slug="keycloak", kind=Kind.OIDC, issuer=oidc_server.url, client_id="servicedesk",
        client_secret="s3cret", role_claim="groups",
        role_mapping={"sd-agents": "agent", "sd-admins": "admin", "sd-leads": "lead"})
    provider.server = oidc_server
    return provider


# --- the messengers' stand-in ----------------------------------------------------------------------------

class Messengers:
    """What the stand-in knows: the people of the directory, the codes handed out, what it was asked."""

    def __init__(self):
        self.next_person: dict = {}
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.requests: list[tuple[str, str, dict]] = []
        self.down = False


def _handler(state: Messengers):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, status: int, payload: dict) -> None:
            body = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _redirect_with_code(self, query: dict, code_name: str = "code") -> None:
            code = f"code-{len(state.codes) + 1}"
            state.codes[code] = dict(state.next_person)
            target = query["redirect_uri"]
            target += ("&" if "?" in target else "?") + urllib.parse.urlencode(
                {code_name: code, "state": query["state"]})
            self.send_response(302)
            self.send_header("Location", target)
            self.end_headers()

        def _issue_token(self, code: str) -> str | None:
            person = state.codes.pop(code, None)
            if person is None:
                return None
            token = f"token-{len(state.tokens) + 1}"
            state.tokens[token] = person
            return token

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            state.requests.append(("GET", url.path, query))
            if state.down:
                return self._answer(503, {"message": "down"})
            if url.path in ("/wwlogin/sso/login", "/oauth2/auth", "/open-apis/authen/v1/authorize"):
                return self._redirect_with_code(query, "authCode" if url.path == "/oauth2/auth" else "code")
            # WeCom: an application token, then code → UserId, then the directory entry.
            if url.path == "/cgi-bin/gettoken":
                if query.get("corpsecret") != "wecom-secret":
                    return self._answer(200, {"errcode": 40001, "errmsg": "invalid credential"})
                return self._answer(200, {"errcode": 0, "errmsg": "ok", "access_token": "corp-token",
                                          "expires_in": 7200})
            if url.path == "/cgi-bin/auth/getuserinfo":
                person = state.codes.pop(query.get("code", ""), None)
                if person is None or query.get("access_token") != "corp-token":
                    return self._answer(200, {"errcode": 40029, "errmsg": "invalid code"})
                state.tokens[person["userid"]] = person
                return self._answer(200, {"errcode": 0, "errmsg": "ok", "userid": person["userid"]})
            if url.path == "/cgi-bin/user/get":
                person = state.tokens.get(query.get("userid", ""))
                if person is None:
                    return self._answer(200, {"errcode": 60111, "errmsg": "userid not found"})
                return self._answer(200, {"errcode": 0, "errmsg": "ok", **person})
            # DingTalk and Feishu: the person's own token.
            if url.path == "/v1.0/contact/users/me":
                person = state.tokens.get(self.headers.get("x-acs-dingtalk-access-token", ""))
                if person is None:
                    return self._answer(401, {"code": "InvalidAuthentication", "message": "bad token"})
                return self._answer(200, person)
            if url.path == "/open-apis/authen/v1/user_info":
                person = state.tokens.get(self.headers.get("Authorization", "").removeprefix("Bearer "))
                if person is None:
                    return self._answer(200, {"code": 20005, "msg": "invalid access token"})
                return self._answer(200, {"code": 0, "msg": "success", "data": person})
            return self._answer(404, {"message": "not found"})

        def do_POST(self):
            url = urllib.parse.urlsplit(self.path)
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            state.requests.append(("POST", url.path, body))
            if state.down:
                return self._answer(503, {"message": "down"})
            if url.path == "/v1.0/oauth2/userAccessToken":
                token = self._issue_token(body.get("code", "")) if body.get("clientSecret") == "ding-secret" else None
                if token is None:
                    return self._answer(400, {"code": "invalidAuthCode", "message": "bad code"})
                return self._answer(200, {"accessToken": token, "refreshToken": "r", "expireIn": 7200,
                                          "corpId": "ding-corp"})
            if url.path == "/open-apis/authen/v2/oauth/token":
                token = self._issue_token(body.get("code", "")) if body.get("client_secret") == "lark-secret" else None
                if token is None or not body.get("code_verifier"):
                    return self._answer(400, {"code": 20003, "error": "invalid_grant"})
                return self._answer(200, {"code": 0, "access_token": token, "expires_in": 7200,
                                          "token_type": "Bearer", "scope": ""})
            return self._answer(404, {"message": "not found"})

    return Handler


@pytest.fixture(scope="session")
def _messenger_server():
    state = Messengers()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, state
    server.shutdown()
    server.server_close()


@pytest.fixture
def messengers(_messenger_server, settings):
    server, state = _messenger_server
    state.__init__()
    url = f"http://127.0.0.1:{server.server_port}"
    settings.SERVICEDESK_WECOM_URL = settings.SERVICEDESK_DINGTALK_URL = settings.SERVICEDESK_FEISHU_URL = url
    state.url = url
    return state


# --- a SAML identity provider (pysaml2 playing the IdP, signing real responses with xmlsec1) ------------------

class SamlIdentityProvider:
    def __init__(self, folder, port: int):
        self.folder, self.url = folder, f"http://127.0.0.1:{port}"
        self.entity_id = f"{self.url}/idp"
        self.metadata = b""

    def config(self, sp_metadata: str | None = None):
        from saml2 import BINDING_HTTP_REDIRECT
        from saml2.config import IdPConfig

        settings = {
            "entityid": self.entity_id, "xmlsec_binary": self.xmlsec,
            "key_file": str(self.folder / "idp.key"), "cert_file": str(self.folder / "idp.crt"),
            "service": {"idp": {"endpoints": {"single_sign_on_service": [(f"{self.url}/sso", BINDING_HTTP_REDIRECT)]},
                                "name_id_format": ["urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"]}},
        }
        if sp_metadata:
            settings["metadata"] = {"inline": [sp_metadata]}
        config = IdPConfig()
        config.load(settings)
        return config

    def answer(self, client, authorize_url: str, subject: str, attributes: dict, *, key_folder=None) -> dict:
        """The POST the person's browser makes to the desk's ACS after signing in at this provider."""
        import base64

        from saml2 import BINDING_HTTP_REDIRECT
        from saml2.saml import AUTHN_PASSWORD_PROTECTED, NAMEID_FORMAT_PERSISTENT, NameID
        from saml2.server import Server

        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authorize_url).query))
        assert urllib.parse.urlsplit(authorize_url).path == "/sso"
        sp_metadata = client.get(self.sp_metadata_path).content.decode()
        config = self.config(sp_metadata)
        if key_folder is not None:  # a provider the desk does not trust: another key
            config.key_file, config.cert_file = str(key_folder / "idp.key"), str(key_folder / "idp.crt")
        server = Server(config=config)
        request = server.parse_authn_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT).message
        response = server.create_authn_response(
            identity=attributes, in_response_to=request.id, destination=request.assertion_consumer_service_url,
            sp_entity_id=request.issuer.text, name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=subject),
            userid=subject, sign_response=True, sign_assertion=True,
            authn={"class_ref": AUTHN_PASSWORD_PROTECTED, "authn_auth": self.entity_id})
        return {"SAMLResponse": base64.b64encode(str(response).encode()).decode(), "RelayState": query["RelayState"]}


def _self_signed(folder) -> None:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    (folder / "idp.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    (folder / "idp.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


@pytest.fixture(scope="session")
def saml_idp(tmp_path_factory):
    from saml2.metadata import create_metadata_string

    from tests.services import require_program

    xmlsec = require_program("xmlsec1")
    folder = tmp_path_factory.mktemp("saml-idp")
    _self_signed(folder)
    _self_signed(folder / "other")

    class Metadata(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/samlmetadata+xml")
            self.send_header("Content-Length", str(len(idp.metadata)))
            self.end_headers()
            self.wfile.write(idp.metadata)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Metadata)
    idp = SamlIdentityProvider(folder, server.server_port)
    idp.xmlsec = xmlsec
    metadata = create_metadata_string(None, config=idp.config())
    idp.metadata = metadata if isinstance(metadata, bytes) else metadata.encode()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield idp
    server.shutdown()
    server.server_close()


@pytest.fixture
def saml_provider(db, saml_idp):
    provider = IdentityProvider.objects.create(
        name="Corporate SAML", slug="corp-saml", kind=Kind.SAML, issuer=f"{saml_idp.url}/metadata",
        role_claim="role", role_mapping={"helpdesk": "agent"})
    saml_idp.sp_metadata_path = "/sso/corp-saml/metadata/"
    provider.idp = saml_idp
    return provider
