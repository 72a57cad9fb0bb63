"""WeCom, DingTalk and Feishu sign-in, each through its OAuth flow against a loopback stand-in of its
endpoints (tests/sso/conftest.py) that speaks its JSON."""

import urllib.parse

import pytest
from django.test import Client

from servicedesk.accounts.models import Role, User
from servicedesk.sso.models import ExternalIdentity, IdentityProvider, Kind

from .conftest import local_path, location

pytestmark = pytest.mark.django_db


def provider(kind: str, **fields) -> IdentityProvider:
    secrets = {Kind.WECOM: "wecom-secret", Kind.DINGTALK: "ding-secret", Kind.FEISHU: "lark-secret"}
    return IdentityProvider.objects.create(name=kind.title(), slug=kind, kind=kind, client_id=f"{kind}-app",
                                           client_secret=secrets[kind], **fields)


def sign_in(client: Client, slug: str):
    response = client.get(f"/sso/{slug}/start/")
    assert response.status_code == 302, response.content[:300]
    return response["Location"], client.get(local_path(location(response["Location"])))


def test_wecom(messengers):
    provider(Kind.WECOM, agent_id="1000002", role_claim="department", role_mapping={"7": "agent"})
    messengers.next_person = {"userid": "ZhangSan", "name": "张三", "department": [1, 7],
                              "email": "zhangsan@example.cn", "biz_mail": "zhangsan@corp.example.cn"}
    client = Client()
    authorize, response = sign_in(client, "wecom")

    parts = urllib.parse.urlsplit(authorize)
    assert parts.path == "/wwlogin/sso/login"
    assert dict(urllib.parse.parse_qsl(parts.query)) | {"state": "-"} == {
        "login_type": "CorpApp", "appid": "wecom-app", "agentid": "1000002", "state": "-",
        "redirect_uri": "http://testserver/sso/wecom/callback/"}
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(external_identities__subject="ZhangSan")
    assert (user.first_name, user.email, user.role) == ("张三", "zhangsan@corp.example.cn", Role.AGENT)
    assert client.session["sd_signed_in_with"] == "wecom"
    assert [path for _method, path, _q in messengers.requests] == [
        "/wwlogin/sso/login", "/cgi-bin/gettoken", "/cgi-bin/auth/getuserinfo", "/cgi-bin/user/get"]


def test_wecom_with_a_wrong_secret_is_refused_with_a_page(messengers):
    provider(Kind.WECOM, agent_id="1000002")
    IdentityProvider.objects.filter(slug="wecom").update(client_secret="stale")
    messengers.next_person = {"userid": "LiSi", "name": "李四"}
    _authorize, response = sign_in(Client(headers={"Accept-Language": "en"}), "wecom")
    assert response.status_code == 400
    assert "Wecom did not accept this sign-in" in response.content.decode()
    assert not ExternalIdentity.objects.exists()


def test_dingtalk(messengers):
    provider(Kind.DINGTALK)
    messengers.next_person = {"nick": "王五", "unionId": "union-ww", "openId": "open-ww",
                              "email": "wangwu@example.cn", "stateCode": "86"}
    client = Client()
    authorize, response = sign_in(client, "dingtalk")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authorize).query))
    assert (query["client_id"], query["response_type"], query["scope"], query["prompt"]) == (
        "dingtalk-app", "code", "openid", "consent")
    assert response.status_code == 302
    user = User.objects.get(external_identities__subject="union-ww")
    assert (user.first_name, user.email, user.role) == ("王五", "wangwu@example.cn", Role.CUSTOMER)
    assert client.session["sd_signed_in_with"] == "dingtalk"
    token_request = next(body for method, path, body in messengers.requests if method == "POST")
    assert token_request == {"clientId": "dingtalk-app", "clientSecret": "ding-secret", "code": "code-1",
                             "grantType": "authorization_code"}


def test_feishu(messengers):
    provider(Kind.FEISHU, allowed_domains="corp.example.cn")
    messengers.next_person = {"name": "赵六", "en_name": "Zhao Liu", "union_id": "on_zl", "open_id": "ou_zl",
                              "email": "zl@gmail.example", "enterprise_email": "zhaoliu@corp.example.cn",
                              "tenant_key": "t1"}
    client = Client()
    authorize, response = sign_in(client, "feishu")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authorize).query))
    assert query["code_challenge_method"] == "S256" and query["client_id"] == "feishu-app"
    assert response.status_code == 302
    user = User.objects.get(external_identities__subject="on_zl")
    assert (user.first_name, user.email) == ("赵六", "zhaoliu@corp.example.cn")
    assert client.session["sd_signed_in_with"] == "feishu"
    token_request = next(body for method, path, body in messengers.requests if method == "POST")
    assert token_request["grant_type"] == "authorization_code" and token_request["code_verifier"]


def test_a_messenger_that_is_down_gets_a_page(messengers):
    provider(Kind.FEISHU)
    messengers.next_person = {"name": "赵六", "union_id": "on_zl"}
    client = Client()
    response = client.get("/sso/feishu/start/")
    back = location(response["Location"])
    messengers.down = True
    response = client.get(local_path(back))
    assert response.status_code == 502 and "Feishu could not be reached" in response.content.decode()
