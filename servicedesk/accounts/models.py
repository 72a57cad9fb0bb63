"""People, organisations, resolver groups and desks."""

import datetime
import hashlib
import re
import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from servicedesk.core import rows


def validate_time_zone(value: str) -> None:
    if value and value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(name)s"), params={"name": value})


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    LEAD = "lead", _("Group lead")
    MANAGER = "manager", _("Desk manager")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset({Role.AGENT, Role.LEAD, Role.MANAGER, Role.ADMIN})
DESK_WIDE_ROLES = frozenset({Role.MANAGER, Role.ADMIN})


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    customers_see_organisation_tickets = models.BooleanField(
        _("customers see the organisation's tickets"),
        default=False,
        help_text=_("When set, every customer of this organisation sees all of its tickets, not only their own."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Desk(models.Model):
    """One service desk site: numbers its tickets with its own prefix."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    site = models.CharField(_("site"), max_length=200, blank=True)
    prefix = models.CharField(_("ticket number prefix"), max_length=10, unique=True, default="SD")
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_time_zone])
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="en")
    next_number = models.PositiveBigIntegerField(_("next ticket number"), default=1)
    is_default = models.BooleanField(_("default desk"), default=False)

    class Meta:
        verbose_name = _("desk")
        verbose_name_plural = _("desks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# Han, kana and hangul: names written in them read family name first, without a space.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def person_name(first: str, last: str) -> str:
    """A person's name as shown: "Given Family" ("Grace Hopper"), or family name first without a
    space when the name is written in Chinese, Japanese or Korean (last "刘", first "伟" → "刘伟")."""
    first, last = (first or "").strip(), (last or "").strip()
    if _CJK.search(first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()


# The mail robot of earlier versions: a deactivated legacy account whose history stays its own (accounts.identity).
LEGACY_MAIL_ROBOT_USERNAME = "mail-robot"


def system_usernames() -> frozenset[str]:
    return frozenset({LEGACY_MAIL_ROBOT_USERNAME, settings.SERVICEDESK_SYSTEM_USERNAME})


class DeskUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # `servicedesk createsuperuser` makes the first administrator: the console's role, not only the admin site's.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    objects = DeskUserManager()

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="members",
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, validators=[validate_time_zone])
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    # As the directory names it (servicedesk.directory); the desk's department groups are resolver groups.
    department = models.CharField(_("department"), max_length=200, blank=True)
    is_away = models.BooleanField(_("away"), default=False)
    # Approvals relative to the requester (servicedesk.approvals) ask the manager.
    manager = models.ForeignKey(
        "self", verbose_name=_("manager"), null=True, blank=True, on_delete=models.SET_NULL, related_name="reports",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        # The mail ingester finds a message's sender by address, whatever its case.
        indexes = [models.Index(Lower("email"), name="accounts_user_email_lower")]

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    @property
    def is_desk_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def sees_whole_desk(self) -> bool:
        return self.role in DESK_WIDE_ROLES

    @property
    def is_system_identity(self) -> bool:
        """The desk's own account for what it does by itself (accounts.identity), or the legacy mail
        robot: it acts, but never owns, acknowledges or answers for a ticket, and never signs in."""
        return self.username in system_usernames()

    def get_full_name(self) -> str:
        if self.is_system_identity:
            return gettext("Service desk (system)")
        return person_name(self.first_name, self.last_name)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def save(self, *args, **kwargs):
        # Administrators manage configuration in the admin site; other staff do not.
        if self.role == Role.ADMIN:
            self.is_staff = True
            self.is_superuser = True
        super().save(*args, **kwargs)


class GroupKind(models.TextChoices):
    TEAM = "team", _("Team")
    DEPARTMENT = "department", _("Department")
    SUPPLIER = "supplier", _("Supplier")


class Tier(models.IntegerChoices):
    FIRST = 1, _("1st line")
    SECOND = 2, _("2nd line")
    THIRD = 3, _("3rd line")


class Group(models.Model):
    """A resolver group: a team, a department or a supplier, at one support tier."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=GroupKind.choices, default=GroupKind.TEAM)
    tier = models.PositiveSmallIntegerField(_("support tier"), choices=Tier.choices, default=Tier.FIRST)
    desk = models.ForeignKey(Desk, verbose_name=_("desk"), null=True, blank=True, on_delete=models.SET_NULL)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("lead"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="led_groups",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True, related_name="member_of"
    )
    email = models.EmailField(_("email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # A department's head approves its members' requests (servicedesk.approvals).
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("head"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="headed_groups",
    )

    class Meta:
        verbose_name = _("resolver group")
        verbose_name_plural = _("resolver groups")
        ordering = ["tier", "name"]

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        """The Chinese name when the active language is Chinese and one is given, else ``name``.

        ``name`` stays the group's stable English key: the history, mail and the API keep it.
        """
        if self.name_zh and (get_language() or "").startswith("zh"):
            return self.name_zh
        return self.name


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal API token; only its hash is stored, the token is shown once. Issued and revoked
    through accounts.actions."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(
        _("last used"), null=True, blank=True,
        help_text=_("Updated at most once a minute."),
    )
    expires_at = models.DateTimeField(
        _("expires"), null=True, blank=True, help_text=_("Empty: the token does not expire."),
    )
    revoked = models.BooleanField(_("revoked"), default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return not self.revoked and not self.is_expired

    @classmethod
    def issue(cls, user, name: str = "", expires_at=None) -> tuple["ApiToken", str]:
        raw = "sd_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=hash_token(raw), prefix=raw[:10],
                                   expires_at=expires_at)
        return token, raw

    @classmethod
    def authenticate(cls, raw: str):
        """The token's user, or None for an unknown, revoked or expired token, a disabled user or the
        system identity (which never signs in).
        Marks the token used, writing at most once a minute."""
        now = timezone.now()
        # Found by its hash alone (unique) and checked here: the conditions as SQL cost a third of the lookup;
        # with its user, by a statement built once (core.rows: the queryset's compilation cost more than the read).
        quote = connection.ops.quote_name
        token = next(iter(rows.select_related(
            cls, "user", f"{quote(cls._meta.db_table)}.{quote('key_hash')} = %s", [hash_token(raw)])), None)
        if (token is None or token.revoked or (token.expires_at is not None and token.expires_at <= now)
                or not token.user.is_active or token.user.is_system_identity):
            return None
        stale = now - datetime.timedelta(seconds=settings.SERVICEDESK_TOKEN_LAST_USED_SECONDS)
        if token.last_used_at is None or token.last_used_at <= stale:
            # Conditional: of requests racing with the same token, one writes.
            cls.objects.filter(pk=token.pk).filter(
                models.Q(last_used_at__isnull=True) | models.Q(last_used_at__lte=stale)
            ).update(last_used_at=now)
        return token.user
