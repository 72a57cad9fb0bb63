"""The demo desk's approvals (`servicedesk demo`, with the tickets): Grace Hopper (customer2) manages 刘伟
(customer1) and 陈静; "Finance folder" access, a catalogue item under Accounts and access, needs the requester's
manager's approval; and 刘伟's request for it, made yesterday, waits for Grace."""



from servicedesk.accounts.models import User
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets.demo import _clock, previous_working_day
from servicedesk.tickets.models import Category, Channel, TicketType

from .models import ApprovalPolicy, ApprovalRequest, ApprovalStep, ApproverKind, CatalogueApproval, StepApprover

AFTER = ("accounts", "tickets")

FINANCE_FOLDER = ("Finance folder", "财务文件夹")


def load(demo) -> None:
    if not demo.full or ApprovalPolicy.objects.exists():
        return
    User.objects.filter(username__in=["customer1", "chenjing"]).update(manager=demo.people["customer2"])
    policy = ApprovalPolicy.objects.create(name="Manager approval", name_zh="直属经理审批", pause_clock=True,
                                           deadline_hours=48, remind_before_hours=24)
    StepApprover.objects.create(step=ApprovalStep.objects.create(policy=policy, order=1),
                                kind=ApproverKind.MANAGER)
    access = Category.objects.filter(name="Access rights", parent=None).first()
    if access is None:
        return
    item, _made = Category.objects.get_or_create(
        service=access.service, parent=access, name=FINANCE_FOLDER[0],
        defaults={"name_zh": FINANCE_FOLDER[1], "order": 9})
    CatalogueApproval.objects.create(category=item, policy=policy)
    if not ApprovalRequest.objects.exists():
        _waiting_request(item)


def _waiting_request(item: Category) -> None:
    """Asked for in yesterday's working hours (the demo's history is), with a word added an hour later."""
    asked, added = previous_working_day([60, 120])
    requester = User.objects.get(username="customer1")
    with _clock(asked):
        # Recorded through the ticket actions: the catalogue item's policy starts the approval.
        ticket = ticket_actions.create_ticket(
            actor=requester, requester=requester, type=TicketType.SERVICE_REQUEST, category=item,
            channel=Channel.PORTAL, title="申请财务文件夹的读写权限",
            description="下周起接手应付账款，需要财务共享文件夹的读写权限。")
    with _clock(added):
        ticket_actions.add_comment(ticket, actor=requester, channel=Channel.PORTAL,
                                   body="只需要“应付账款”子文件夹即可。")
