"""The console's chat robot screens: a person's own robots and the robots of the groups they lead (all of them
for administrators), the form that adds or changes one, delete, and "send test message". Every change goes
through servicedesk.notify.actions; who may is servicedesk.notify.robot_access."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from servicedesk.accounts.models import Group
from servicedesk.core.audit import Channel
from servicedesk.core.errors import ActionError
from servicedesk.core.forms import DeskFormMixin
from servicedesk.core.inputs import is_id, parse_id
from servicedesk.notify import actions, robot_access
from servicedesk.notify.models import OutboundMessage, Platform, Robot, State, robot_event_choices

from .access import staff_required

CHANNEL = Channel.CONSOLE


class RobotForm(DeskFormMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    platform = forms.ChoiceField(label=gettext_lazy("Chat app"), choices=Platform.choices)
    webhook_url = forms.CharField(
        label=gettext_lazy("Webhook address"), max_length=1000,
        help_text=gettext_lazy("As the chat app shows it when the robot is added to the group chat (https://…)."))
    secret = forms.CharField(
        label=gettext_lazy("Signing secret"), max_length=200, required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("DingTalk: the 加签 secret; Feishu/Lark: the 签名校验 secret. Leave empty for "
                               "other apps, or to keep the secret saved before."))
    remove_secret = forms.BooleanField(label=gettext_lazy("Remove the saved secret"), required=False)
    language = forms.ChoiceField(label=gettext_lazy("Language of the messages"), choices=settings.LANGUAGES)
    events = forms.MultipleChoiceField(label=gettext_lazy("Post a message for"), widget=forms.CheckboxSelectMultiple)
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, for_group: bool, editing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = robot_event_choices(for_group=for_group)
        if not editing:
            del self.fields["remove_secret"]

    def to_input(self) -> actions.RobotInput:
        data = self.cleaned_data
        secret = data["secret"] or None
        if data.get("remove_secret"):
            secret = ""
        return actions.RobotInput(name=data["name"], platform=data["platform"], webhook_url=data["webhook_url"],
                                  language=data["language"], events=list(data["events"]),
                                  is_active=data["is_active"], secret=secret)


def _initial(robot: Robot) -> dict:
    return {"name": robot.name, "platform": robot.platform, "webhook_url": robot.webhook_url,
            "language": robot.language, "events": robot.events, "is_active": robot.is_active,
            "version": robot.version}


def _robot(user, pk: int) -> Robot:
    """A robot the user manages; any other is not there for them."""
    found = robot_access.manageable(user).select_related("group", "user").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@staff_required
def robot_list(request):
    user = request.user
    robots = list(robot_access.manageable(user).select_related("group", "user").order_by("name", "id"))
    groups = list(robot_access.groups_for(user).order_by("tier", "name"))
    return render(request, "console/robots/list.html", {
        "own": [r for r in robots if r.user_id == user.pk],
        "groups": [(g, [r for r in robots if r.group_id == g.pk]) for g in groups],
        "others": [r for r in robots if r.user_id not in (None, user.pk)],
    })


def _group_asked(request) -> Group | None:
    raw = request.POST.get("group") if request.method == "POST" else request.GET.get("group")
    if not raw:
        return None
    group = Group.objects.filter(pk=parse_id(raw)).first() if is_id(raw) else None
    if group is None:
        raise Http404
    if not robot_access.may_manage_group(request.user, group):
        raise PermissionDenied
    return group


@staff_required
def robot_edit(request, pk=None):
    robot = _robot(request.user, pk) if pk is not None else None
    group = robot.group if robot is not None else _group_asked(request)
    options = {"for_group": group is not None, "editing": robot is not None}
    if request.method == "POST":
        form = RobotForm(request.POST, **options)
        if form.is_valid():
            try:
                if robot is None:
                    robot = actions.create_robot(form.to_input(), actor=request.user, channel=CHANNEL, group=group)
                else:
                    actions.update_robot(robot, form.to_input(), actor=request.user, channel=CHANNEL,
                                         expected_version=form.cleaned_data["version"])
            except ActionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Saved “%(name)s”.") % {"name": form.cleaned_data["name"]})
                return redirect("console:robot", pk=robot.pk)
        status = 400
    else:
        form = RobotForm(initial=_initial(robot) if robot else {"language": request.user.language or
                                                                  settings.LANGUAGE_CODE}, **options)
        status = 200
    recent = []
    if robot is not None:
        recent = list(OutboundMessage.objects.filter(robot=robot).order_by("-created_at", "-id")[:10])
    return render(request, "console/robots/form.html", {
        "form": form, "robot": robot, "group": group, "recent": recent}, status=status)


def _version(request) -> int | None:
    return parse_id(request.POST["version"]) if is_id(request.POST.get("version")) else None


@staff_required
@require_POST
def robot_delete(request, pk):
    robot = _robot(request.user, pk)
    try:
        actions.delete_robot(robot, actor=request.user, channel=CHANNEL, expected_version=_version(request))
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("console:robot", pk=robot.pk)
    messages.success(request, _("The robot “%(name)s” has been deleted.") % {"name": robot.name})
    return redirect("console:robots")


@staff_required
@require_POST
def robot_test(request, pk):
    robot = _robot(request.user, pk)
    try:
        row = actions.send_test_message(robot, actor=request.user, channel=CHANNEL)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("console:robot", pk=robot.pk)
    # In-process (no broker) the message has been sent by now; with a broker a worker sends it shortly.
    sent = OutboundMessage.objects.filter(pk=row).values_list("state", "last_error").first()
    if sent is not None and sent[0] == State.SENT:
        messages.success(request, _("The test message was posted."))
    elif sent is not None and sent[1]:
        messages.error(request, _("The test message was not posted: %(error)s") % {"error": sent[1]})
    else:
        messages.success(request, _("The test message is on its way."))
    return redirect("console:robot", pk=robot.pk)


urlpatterns = [
    path("robots/", robot_list, name="robots"),
    path("robots/new/", robot_edit, name="robot_new"),
    path("robots/<id:pk>/", robot_edit, name="robot"),
    path("robots/<id:pk>/delete/", robot_delete, name="robot_delete"),
    path("robots/<id:pk>/test/", robot_test, name="robot_test"),
]
