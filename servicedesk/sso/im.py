"""Sign-in through the Chinese workplace messengers' OAuth flows: WeCom (企业微信), DingTalk (钉钉) and
Feishu (飞书). Each sends the browser to its authorize page, then turns the code it returns into an access
token and the person's directory entry, over its JSON API:

- WeCom: /wwlogin/sso/login (CorpID, AgentId) → /cgi-bin/gettoken (CorpID + Secret) →
  /cgi-bin/auth/getuserinfo (code → UserId) → /cgi-bin/user/get (name, e-mail, departments).
- DingTalk: /oauth2/auth → POST /v1.0/oauth2/userAccessToken → /v1.0/contact/users/me (unionId, nick, email).
- Feishu: /open-apis/authen/v1/authorize (with PKCE) → POST /open-apis/authen/v2/oauth/token →
  /open-apis/authen/v1/user_info (union_id, name, email, enterprise_email).

The directory is the organisation's own, kept by its administrators, so its e-mail address counts as verified.
SERVICEDESK_WECOM_URL, SERVICEDESK_DINGTALK_URL and SERVICEDESK_FEISHU_URL, when set, replace both of a flow's
hosts (a proxy, or the tests' stand-in).
"""

from __future__ import annotations

import logging
import urllib.parse

from django.conf import settings
from django.utils.translation import gettext as _

from .actions import Profile
from .models import IdentityProvider
from .oidc import pkce_challenge
from .remote import FlowError, call_json

log = logging.getLogger(__name__)


class MessengerFlow:
    setting = ""
    login_host = ""
    api_host = ""

    def login_base(self) -> str:
        return getattr(settings, self.setting, "") or self.login_host

    def api_base(self) -> str:
        return getattr(settings, self.setting, "") or self.api_host

    def refused(self, provider: IdentityProvider, answer: dict) -> FlowError:
        log.warning("%s refused the sign-in: %r", provider.slug, answer)
        return FlowError(_("%(provider)s did not accept this sign-in (it may have expired, or the application is "
                           "set up differently there). Please sign in again.") % {"provider": provider.name})

    def code(self, provider: IdentityProvider, params) -> str:
        code = params.get("code") or params.get("authCode") or ""
        if not code:
            raise FlowError(_("%(provider)s sent no sign-in code. Please sign in again.")
                            % {"provider": provider.name})
        return code


def _url(base: str, path: str, query: dict) -> str:
    return f"{base.rstrip('/')}{path}?{urllib.parse.urlencode(query)}"


class WeCom(MessengerFlow):
    setting = "SERVICEDESK_WECOM_URL"
    login_host = "https://login.work.weixin.qq.com"
    api_host = "https://qyapi.weixin.qq.com"

    def authorize_url(self, provider: IdentityProvider, redirect_uri: str, flow: dict) -> str:
        return _url(self.login_base(), "/wwlogin/sso/login", {
            "login_type": "CorpApp", "appid": provider.client_id, "agentid": provider.agent_id,
            "redirect_uri": redirect_uri, "state": flow["state"]})

    def _get(self, provider, path: str, query: dict) -> dict:
        answer = call_json(provider, f"{self.api_base().rstrip('/')}{path}", query=query)
        if answer.get("errcode", 0) != 0:
            raise self.refused(provider, answer)
        return answer

    def profile(self, provider: IdentityProvider, redirect_uri: str, params, flow: dict) -> Profile:
        code = self.code(provider, params)
        token = self._get(provider, "/cgi-bin/gettoken",
                          {"corpid": provider.client_id, "corpsecret": provider.client_secret})["access_token"]
        who = self._get(provider, "/cgi-bin/auth/getuserinfo", {"access_token": token, "code": code})
        if not who.get("userid"):  # someone outside the organisation (an openid only): not for this desk
            raise FlowError(_("%(provider)s says you are not a member of this organisation.")
                            % {"provider": provider.name})
        entry = self._get(provider, "/cgi-bin/user/get", {"access_token": token, "userid": who["userid"]})
        email = entry.get("biz_mail") or entry.get("email") or ""
        return Profile(subject=str(who["userid"]), email=email, email_verified=bool(email),
                       first_name=str(entry.get("name") or ""), claims=entry)


class DingTalk(MessengerFlow):
    setting = "SERVICEDESK_DINGTALK_URL"
    login_host = "https://login.dingtalk.com"
    api_host = "https://api.dingtalk.com"

    def authorize_url(self, provider: IdentityProvider, redirect_uri: str, flow: dict) -> str:
        return _url(self.login_base(), "/oauth2/auth", {
            "redirect_uri": redirect_uri, "response_type": "code", "client_id": provider.client_id,
            "scope": "openid", "state": flow["state"], "prompt": "consent"})

    def profile(self, provider: IdentityProvider, redirect_uri: str, params, flow: dict) -> Profile:
        code = self.code(provider, params)
        api = self.api_base().rstrip("/")
        answer = call_json(provider, f"{api}/v1.0/oauth2/userAccessToken", body={
            "clientId": provider.client_id, "clientSecret": provider.client_secret, "code": code,
            "grantType": "authorization_code"})
        if not answer.get("accessToken"):
            raise self.refused(provider, answer)
        me = call_json(provider, f"{api}/v1.0/contact/users/me",
                       headers={"x-acs-dingtalk-access-token": answer["accessToken"]})
        if not me.get("unionId"):
            raise self.refused(provider, me)
        email = me.get("email") or ""
        return Profile(subject=str(me["unionId"]), email=email, email_verified=bool(email),
                       first_name=str(me.get("nick") or ""), claims=me)


class Feishu(MessengerFlow):
    setting = "SERVICEDESK_FEISHU_URL"
    login_host = "https://accounts.feishu.cn"
    api_host = "https://open.feishu.cn"

    def authorize_url(self, provider: IdentityProvider, redirect_uri: str, flow: dict) -> str:
        return _url(self.login_base(), "/open-apis/authen/v1/authorize", {
            "client_id": provider.client_id, "redirect_uri": redirect_uri, "state": flow["state"],
            "code_challenge": pkce_challenge(flow["verifier"]), "code_challenge_method": "S256"})

    def profile(self, provider: IdentityProvider, redirect_uri: str, params, flow: dict) -> Profile:
        code = self.code(provider, params)
        api = self.api_base().rstrip("/")
        answer = call_json(provider, f"{api}/open-apis/authen/v2/oauth/token", body={
            "grant_type": "authorization_code", "client_id": provider.client_id,
            "client_secret": provider.client_secret, "code": code, "redirect_uri": redirect_uri,
            "code_verifier": flow["verifier"]})
        if answer.get("code", 0) != 0 or not answer.get("access_token"):
            raise self.refused(provider, answer)
        info = call_json(provider, f"{api}/open-apis/authen/v1/user_info",
                         headers={"Authorization": f"Bearer {answer['access_token']}"})
        data = info.get("data") if info.get("code", 0) == 0 else None
        if not isinstance(data, dict) or not (data.get("union_id") or data.get("open_id")):
            raise self.refused(provider, info)
        email = data.get("enterprise_email") or data.get("email") or ""
        return Profile(subject=str(data.get("union_id") or data["open_id"]), email=email, email_verified=bool(email),
                       first_name=str(data.get("name") or ""), claims=data)


WECOM, DINGTALK, FEISHU = WeCom(), DingTalk(), Feishu()
