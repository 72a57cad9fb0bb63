"""Identity providers people sign in through (OpenID Connect, SAML 2.0, WeCom, DingTalk, Feishu), and
which account each external identity is."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.accounts.models import Role


class Kind(models.TextChoices):
    OIDC = "oidc", _("OpenID Connect")
    SAML = "saml", _("SAML 2.0")
    WECOM = "wecom", _("WeCom")
    DINGTALK = "dingtalk", _("DingTalk")
    FEISHU = "feishu", _("Feishu")


def validate_mapping(value) -> None:
    """A claim mapping is {"claim value": "target"}: strings both sides."""
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ValidationError(_('Write a mapping as {"claim value": "target", …}.'))


def validate_role_mapping(value) -> None:
    validate_mapping(value)
    unknown = sorted(set(value.values()) - set(Role.values))
    if unknown:
        raise ValidationError(_("Unknown roles: %(roles)s (known: %(known)s)."),
                              params={"roles": ", ".join(unknown), "known": ", ".join(Role.values)})


class IdentityProvider(models.Model):
    name = models.CharField(_("name"), max_length=100, help_text=_('Shown on the button: "Sign in with <name>".'))
    slug = models.SlugField(_("slug"), max_length=50, unique=True,
                            validators=[RegexValidator(r"^[a-z0-9-]+$", _("Lower-case letters, digits and -."))])
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OIDC)
    enabled = models.BooleanField(_("enabled"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0, help_text=_("Buttons are shown by position."))
    issuer = models.URLField(
        _("issuer or metadata URL"), max_length=500, blank=True,
        help_text=_("OpenID Connect: the issuer or its discovery URL (…/.well-known/openid-configuration). "
                    "SAML: the identity provider's metadata URL. Not used by WeCom, DingTalk and Feishu."))
    client_id = models.CharField(
        _("client id"), max_length=200, blank=True,
        help_text=_("OpenID Connect: the client id. WeCom: the CorpID. DingTalk: the Client ID (AppKey). "
                    "Feishu: the App ID. SAML: this desk's entity id (blank: its metadata URL)."))
    client_secret = models.CharField(
        _("client secret"), max_length=500, blank=True,
        help_text=_("OpenID Connect: the client secret. WeCom: the application's Secret. DingTalk: the Client "
                    "Secret (AppSecret). Feishu: the App Secret."))
    agent_id = models.CharField(_("WeCom AgentId"), max_length=50, blank=True,
                                help_text=_("WeCom only: the self-built application's AgentId."))
    scopes = models.CharField(_("scopes"), max_length=300, blank=True, default="openid email profile",
                              help_text=_("OpenID Connect scopes requested, separated by spaces."))
    role_claim = models.CharField(_("role claim"), max_length=100, blank=True,
                                  help_text=_('The claim or attribute whose values give the role, e.g. "groups".'))
    role_mapping = models.JSONField(
        _("claim value → role"), default=dict, blank=True, validators=[validate_role_mapping],
        help_text=_('E.g. {"sd-agents": "agent", "sd-admins": "admin"}. The highest mapped role wins; '
                    "with no match the default role. Applied at every sign-in when the role claim is set."))
    group_claim = models.CharField(_("group claim"), max_length=100, blank=True,
                                   help_text=_("The claim or attribute whose values give the desk's groups."))
    group_mapping = models.JSONField(
        _("claim value → group"), default=dict, blank=True, validators=[validate_mapping],
        help_text=_('E.g. {"it-network": "Network team"}: membership of the mapped groups follows the claim '
                    "at every sign-in."))
    default_role = models.CharField(_("default role"), max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    allowed_domains = models.CharField(
        _("allowed e-mail domains"), max_length=500, blank=True,
        help_text=_("Comma-separated, e.g. example.com, example.cn. Blank: any domain."))
    jit = models.BooleanField(_("create accounts on first sign-in"), default=True,
                              help_text=_("Off: only people who already have an account may sign in."))

    audit_masked = ("client_secret",)

    class Meta:
        verbose_name = _("identity provider")
        verbose_name_plural = _("identity providers")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def session_label(self) -> str:
        """How a session signed in through this provider is recorded (IDENTITY.md §5)."""
        return f"{self.kind}:{self.slug}" if self.kind in (Kind.OIDC, Kind.SAML) else self.kind

    def domains(self) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in self.allowed_domains.split(",") if d.strip()]


class ExternalIdentity(models.Model):
    """One person at one provider: the provider's stable subject (OIDC `sub`, SAML NameID, WeCom UserId,
    DingTalk unionId, Feishu union_id) is what finds the account, not the e-mail address, which may change."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="external_identities")
    provider = models.ForeignKey(IdentityProvider, verbose_name=_("identity provider"), on_delete=models.CASCADE,
                                 related_name="identities")
    subject = models.CharField(_("subject"), max_length=255)
    email = models.EmailField(_("email address"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_sign_in = models.DateTimeField(_("last sign-in"), null=True, blank=True)

    audit_exclude = ("last_sign_in",)

    class Meta:
        verbose_name = _("external identity")
        verbose_name_plural = _("external identities")
        constraints = [models.UniqueConstraint(fields=["provider", "subject"], name="sso_identity_unique_subject")]

    def __str__(self) -> str:
        return f"{self.provider} {self.subject}"
