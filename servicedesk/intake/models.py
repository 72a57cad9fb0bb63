"""Mail coming in: the desk's mailboxes, every delivered message kept whole, and the Message-IDs
that thread replies onto tickets."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.accounts.models import Desk, Group
from servicedesk.tickets.models import Comment, Ticket


class UnknownSenders(models.TextChoices):
    CREATE_CUSTOMER = "create_customer", _("Create a customer account")
    REJECT = "reject", _("Reject (quarantine)")


class ImapSecurity(models.TextChoices):
    SSL = "ssl", _("SSL/TLS")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None (plain text, only on a trusted network)")


class ImapAfter(models.TextChoices):
    FLAG = "flag", _("Mark as read and flag as filed")
    MOVE = "move", _("Move to another folder")


class ImapAuth(models.TextChoices):
    PASSWORD = "password", _("Password")
    OAUTH2 = "oauth2", _("OAuth 2.0 (XOAUTH2)")


class OAuthProvider(models.TextChoices):
    MICROSOFT365 = "microsoft365", _("Microsoft 365")
    GOOGLE = "google", _("Google")
    GENERIC = "generic", _("Other OAuth 2.0 provider")


class Mailbox(models.Model):
    """One address the desk receives mail at; with an IMAP server, one mailbox the desk polls."""

    # The audit trail (core.audit) says that the password was set or changed, never what it is; the poller's
    # status fields are its own bookkeeping, not a change anybody made.
    # The OAuth client secret and refresh token likewise; the access token, its expiry and the refresh's
    # outcome are the desk's own bookkeeping (renewed every hour), never shown.
    audit_masked = ("imap_password", "oauth_client_secret", "oauth_refresh_token")
    audit_exclude = ("imap_last_fetch_at", "imap_last_error", "oauth_access_token", "oauth_expires_at",
                     "oauth_needs_consent", "oauth_error")

    name = models.CharField(_("name"), max_length=200)
    address = models.EmailField(_("address"), unique=True, help_text=_("The desk's own address for this mailbox."))
    desk = models.ForeignKey(Desk, verbose_name=_("desk"), on_delete=models.PROTECT, related_name="mailboxes")
    unknown_senders = models.CharField(
        _("unknown senders"), max_length=20, choices=UnknownSenders.choices, default=UnknownSenders.CREATE_CUSTOMER,
        help_text=_("What happens to mail from an address no user has."),
    )
    add_cc_as_watchers = models.BooleanField(
        _("add CC'd users as watchers"), default=False,
        help_text=_("Known users in Cc become watchers of the ticket."),
    )
    default_group = models.ForeignKey(
        Group, verbose_name=_("default group"), null=True, blank=True, on_delete=models.SET_NULL,
        help_text=_("New tickets from this mailbox are assigned to this group."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    imap_host = models.CharField(_("IMAP server"), max_length=255, blank=True,
                                 help_text=_("Leave empty when mail arrives by SMTP/LMTP or the pipe only."))
    imap_port = models.PositiveIntegerField(_("IMAP port"), null=True, blank=True,
                                            help_text=_("Empty: 993 with SSL/TLS, else 143."))
    imap_security = models.CharField(_("IMAP connection security"), max_length=10, choices=ImapSecurity.choices,
                                     default=ImapSecurity.SSL)
    imap_username = models.CharField(_("IMAP user name"), max_length=255, blank=True)
    imap_password = models.CharField(_("IMAP password"), max_length=500, blank=True)
    imap_auth = models.CharField(_("IMAP sign-in"), max_length=10, choices=ImapAuth.choices,
                                 default=ImapAuth.PASSWORD,
                                 help_text=_("Microsoft 365 and Google accept only OAuth 2.0."))
    imap_folder = models.CharField(_("IMAP folder"), max_length=255, default="INBOX",
                                   help_text=_("The folder new mail is taken from."))
    imap_after = models.CharField(
        _("after filing"), max_length=10, choices=ImapAfter.choices, default=ImapAfter.FLAG,
        help_text=_("What happens on the server to a message once the desk has filed it."),
    )
    imap_move_to = models.CharField(_("move to folder"), max_length=255, blank=True,
                                    help_text=_("The folder filed messages are moved to (created if missing)."))
    imap_last_fetch_at = models.DateTimeField(_("last fetched"), null=True, blank=True)
    imap_last_error = models.TextField(_("last fetch error"), blank=True)
    oauth_provider = models.CharField(_("OAuth provider"), max_length=20, choices=OAuthProvider.choices,
                                      default=OAuthProvider.MICROSOFT365)
    oauth_tenant = models.CharField(_("tenant"), max_length=200, blank=True,
                                    help_text=_("Microsoft 365: the directory (tenant) ID or domain; "
                                                "empty: \"organizations\"."))
    oauth_client_id = models.CharField(_("client ID"), max_length=500, blank=True)
    oauth_client_secret = models.CharField(_("client secret"), max_length=1000, blank=True)
    oauth_scope = models.CharField(_("scope"), max_length=1000, blank=True,
                                   help_text=_("Empty: the provider's scopes for IMAP, SMTP and offline access."))
    oauth_token_url = models.URLField(_("token endpoint"), max_length=500, blank=True,
                                      help_text=_("Empty: the provider's (Microsoft 365, Google)."))
    oauth_authorize_url = models.URLField(_("authorisation endpoint"), max_length=500, blank=True,
                                          help_text=_("Empty: the provider's (Microsoft 365, Google)."))
    oauth_refresh_token = models.TextField(_("refresh token"), blank=True)
    oauth_access_token = models.TextField(blank=True, editable=False)
    oauth_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The provider refused the refresh token (revoked, expired, password changed): an administrator must
    # connect the mailbox again; until then nothing is fetched or sent with it.
    oauth_needs_consent = models.BooleanField(_("needs re-authorisation"), default=False, editable=False)
    oauth_error = models.TextField(_("OAuth error"), blank=True, editable=False)
    # Which poller holds the mailbox, until when: two pollers never work on one mailbox at once.
    imap_claimed_by = models.CharField(max_length=100, blank=True, editable=False)
    imap_claimed_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"

    def save(self, *args, **kwargs):
        self.address = (self.address or "").strip().lower()
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        if self.imap_host:
            if not self.imap_username:
                errors["imap_username"] = _("An IMAP server needs a user name.")
            if self.uses_oauth and not self.oauth_client_id.strip():
                errors["oauth_client_id"] = _("OAuth 2.0 needs the client ID of the desk's app registration.")
            if (self.uses_oauth and self.oauth_provider == OAuthProvider.GENERIC
                    and not self.oauth_token_url.strip()):
                errors["oauth_token_url"] = _("Name the token endpoint of this OAuth 2.0 provider.")
            if self.imap_after == ImapAfter.MOVE and not self.imap_move_to.strip():
                errors["imap_move_to"] = _("Name the folder filed messages are moved to.")
            if self.imap_after == ImapAfter.MOVE and self.imap_move_to.strip() == self.imap_folder.strip():
                errors["imap_move_to"] = _("Filed messages must go to another folder than the one polled.")
        if errors:
            raise ValidationError(errors)

    @property
    def polls_imap(self) -> bool:
        return bool(self.imap_host)

    @property
    def uses_oauth(self) -> bool:
        return self.imap_auth == ImapAuth.OAUTH2

    @property
    def imap_port_or_default(self) -> int:
        return self.imap_port or (993 if self.imap_security == ImapSecurity.SSL else 143)


class Source(models.TextChoices):
    PIPE = "pipe", _("Pipe")
    SMTP = "smtp", _("SMTP/LMTP")
    IMAP = "imap", _("IMAP")


class State(models.TextChoices):
    RECEIVED = "received", _("Received, not yet processed")
    DONE = "done", _("Done")
    IGNORED = "ignored", _("Ignored")
    QUARANTINED = "quarantined", _("Quarantined")


class InboundMessageManager(models.Manager):
    """Rows without their bytes unless asked for (`raw_data` is read when used, or with `.defer(None)`):
    lists and state changes never carry whole messages."""

    def get_queryset(self):
        return super().get_queryset().defer("raw_data")


class InboundMessage(models.Model):
    """One delivered message, stored whole before anything reads it.

    The bytes are kept in the row itself (`raw_data`), so the message is durable exactly when its
    row is committed: one write, one commit, no file that could be missing or half-written. Messages
    stored by earlier versions keep their file (`raw`).

    Deduplicated by Message-ID when the message has one, else by the SHA-256 of its bytes: a
    message delivered twice is one row, so it makes one ticket.
    """

    raw_data = models.BinaryField(_("raw message"), null=True, blank=True, editable=False)
    raw = models.FileField(_("raw message file"), upload_to="mail/raw/%Y/%m/", max_length=500, blank=True,
                           help_text=_("Messages stored before the bytes were kept in the database."))
    # Looked up by the unique constraint below (messages without a Message-ID); no index of its own.
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    mailbox = models.ForeignKey(Mailbox, verbose_name=_("mailbox"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="messages")
    message_id = models.CharField(_("Message-ID"), max_length=500, blank=True, db_index=True)
    sender = models.CharField(_("sender"), max_length=320, blank=True)  # indexed with the time, below
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.RECEIVED,
                             db_index=True)
    reason = models.TextField(_("reason"), blank=True)
    quoted_text = models.TextField(_("quoted history"), blank=True,
                                   help_text=_("What was stripped from the reply: quoted history and signature."))
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="inbound_messages")
    comment = models.ForeignKey(Comment, verbose_name=_("comment"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="inbound_messages")
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    objects = InboundMessageManager()

    class Meta:
        base_manager_name = "objects"
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["message_id"], condition=~Q(message_id=""),
                                    name="inbound_unique_message_id"),
            models.UniqueConstraint(fields=["sha256"], condition=Q(message_id=""),
                                    name="inbound_unique_sha256_without_message_id"),
        ]
        indexes = [models.Index(fields=["sender", "received_at"], name="inbound_sender_time")]

    def __str__(self) -> str:
        return self.subject or self.message_id or f"#{self.pk}"


class Direction(models.TextChoices):
    IN = "in", _("Received")
    OUT = "out", _("Sent")


class MessageReference(models.Model):
    """A Message-ID the desk received or sent, and its ticket: replies find their ticket through it."""

    message_id = models.CharField(_("Message-ID"), max_length=500, unique=True)
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE,
                               related_name="message_references")
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("message reference")
        verbose_name_plural = _("message references")

    def __str__(self) -> str:
        return self.message_id

