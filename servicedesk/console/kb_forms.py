"""The knowledge base's forms in the console: the editor's fields (checked here for type, by
knowledge.actions for meaning) and the article list's filters."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from servicedesk.accounts.models import STAFF_ROLES, Organisation, User, system_usernames
from servicedesk.core.forms import DeskFormMixin
from servicedesk.knowledge import visibility
from servicedesk.knowledge.actions import ArticleInput
from servicedesk.knowledge.models import Article, Audience, Language, State
from servicedesk.tickets.models import Category, Service


def staff_people():
    return User.objects.filter(role__in=STAFF_ROLES, is_active=True).exclude(username__in=system_usernames())


def reviewers(actor):
    """Who may review `actor`'s article: leads, managers and administrators other than the actor."""
    return (staff_people().filter(role__in=visibility.PUBLISHER_ROLES).exclude(pk=actor.pk)
            .order_by("first_name", "last_name", "username"))


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


def parse_tags(text: str) -> list[str]:
    """Tags as typed: separated by commas (either width) or semicolons."""
    return [t for t in text.replace("，", ",").replace(";", ",").replace("；", ",").split(",") if t.strip()]


class ArticleForm(DeskFormMixin, forms.Form):
    # Required by the action, which says so in the desk's words.
    title = forms.CharField(label=_("Title"), max_length=255, required=False)
    summary = forms.CharField(label=_("Summary"), max_length=500, required=False,
                              help_text=_("One or two sentences shown under the title in lists and search results."))
    body = forms.CharField(label=_("Text (Markdown)"), required=False,
                           widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "true"}))
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices)
    organisations = forms.ModelMultipleChoiceField(
        label=_("Only for organisations"), required=False, queryset=Organisation.objects.order_by("name"),
        help_text=_("For the audience “signed-in customers”: leave empty for every customer."))
    service = forms.ModelChoiceField(label=_("Service"), required=False,
                                     queryset=Service.objects.filter(is_active=True))
    category = forms.ModelChoiceField(label=_("Category"), required=False,
                                      queryset=Category.objects.filter(is_active=True))
    tags = forms.CharField(label=_("Tags"), required=False, max_length=1000,
                           help_text=_("Separated by commas, e.g. VPN, password"))
    owner = PersonChoice(label=_("Owner"), queryset=staff_people(), required=False,
                         help_text=_("Who keeps the article current."))
    review_by = forms.DateField(label=_("Review by"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note = forms.CharField(label=_("What changed (for the version list)"), max_length=255, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        service = self.data.get("service") if self.is_bound else self.initial.get("service")
        service_id = getattr(service, "pk", service)
        categories = Category.objects.filter(is_active=True).select_related("parent", "service")
        # The category list follows the service chosen (HTMX swaps it when the service changes).
        self.fields["category"].queryset = (categories.filter(service_id=service_id) if str(service_id or "").isdigit()
                                            else categories)
        self.fields["organisations"].widget.attrs["size"] = 4

    @classmethod
    def for_article(cls, article: Article) -> ArticleForm:
        return cls(initial={
            "title": article.title, "summary": article.summary, "body": article.body, "language": article.language,
            "audience": article.audience, "organisations": list(article.organisations.all()),
            "service": article.service_id, "category": article.category_id, "tags": ", ".join(article.tags),
            "owner": article.owner_id, "review_by": article.review_by, "version": article.version,
        })

    def to_input(self) -> ArticleInput:
        data = self.cleaned_data
        return ArticleInput(
            title=data["title"], summary=data["summary"], body=data["body"], language=data["language"],
            audience=data["audience"], service=data["service"], category=data["category"],
            tags=parse_tags(data["tags"]), organisations=list(data["organisations"]),
            owner=data["owner"], review_by=data["review_by"])


YES_NO = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]


class ArticleFilters(forms.Form):
    """The article list's filters (GET); a value the form cannot read is shown as an error, not ignored."""

    q = forms.CharField(label=_("Title contains"), required=False, max_length=200)
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("Any")), *State.choices])
    live = forms.ChoiceField(label=_("Live"), required=False, choices=YES_NO)
    service = forms.ModelChoiceField(label=_("Service"), required=False, queryset=Service.objects.all(),
                                     empty_label=_("Any"))
    language = forms.ChoiceField(label=_("Language"), required=False, choices=[("", _("Any")), *Language.choices])
    audience = forms.ChoiceField(label=_("Audience"), required=False, choices=[("", _("Any")), *Audience.choices])
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    review = forms.BooleanField(label=_("Waiting for my review"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["owner"].choices = [("", _("Anyone")), ("me", _("Me")),
                                        *[(str(p.pk), p.display_name) for p in staff_people().order_by("username")]]

    def apply(self, queryset):
        data = self.cleaned_data
        if data["q"]:
            queryset = queryset.filter(title__icontains=data["q"])
        if data["state"]:
            queryset = queryset.filter(state=data["state"])
        if data["live"]:
            queryset = queryset.filter(is_live=data["live"] == "yes")
        for name in ("service", "language", "audience"):
            if data[name]:
                queryset = queryset.filter(**{name: data[name]})
        if data["owner"]:
            queryset = queryset.filter(owner_id=self.user.pk if data["owner"] == "me" else int(data["owner"]))
        if data["review"]:
            queryset = queryset.filter(state=State.REVIEW, reviewer=self.user)
        return queryset
