"""Calendars, SLA policies and the SLA state derived from a ticket's history (servicedesk.sla.clocks).

Tickets are made through the desk's actions; the history rows each action writes are then moved to
fixed instants (history is append-only for saves, so by queryset update), and the state is
evaluated at fixed instants too.
"""

from datetime import UTC, date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from servicedesk.accounts.models import Organisation
from servicedesk.core import appendonly
from servicedesk.sla.calendars import business_calendar
from servicedesk.sla.clocks import policy_for, sla_state
from servicedesk.sla.models import Calendar, CalendarDay, SlaPolicy
from servicedesk.tickets import actions
from servicedesk.tickets.models import Category, HistoryEntry, Service, Ticket

from .conftest import cn


@pytest.fixture
def calendar(holiday_calendar):
    """conftest's holiday_calendar: Mon–Fri office hours in Shanghai, the 2025 National Day week off,
    Saturday 2025-10-11 worked as a Monday."""
    return holiday_calendar


@pytest.fixture
def policy(desk, calendar):
    """The only active policy: one working day to respond, five to resolve."""
    SlaPolicy.objects.update(is_active=False)
    return SlaPolicy.objects.create(name="Standard", order=10, calendar=calendar,
                                    first_response_minutes=480, resolution_minutes=2400, follow_up_minutes=480)


def _moved_to(ticket, when, before):
    with appendonly.lifted():  # history is append-only: moved back in time with the guard off
        HistoryEntry.objects.filter(ticket=ticket).exclude(id__in=before).update(at=when)


def _history_ids(ticket):
    return set(HistoryEntry.objects.filter(ticket=ticket).values_list("id", flat=True))


def make_ticket(desk, created, **kwargs):
    ticket = actions.create_ticket(actor=desk.agent1, title="Printer on fire", requester=desk.customer1, **kwargs)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=created)
    with appendonly.lifted():  # history is append-only: moved back in time with the guard off
        HistoryEntry.objects.filter(ticket=ticket).update(at=created)
    ticket.refresh_from_db()
    return ticket


def act(desk, ticket, when, action, **kwargs):
    """Take a lifecycle action as agent1 and date its history rows at ``when``."""
    before = _history_ids(ticket)
    if action == "resolve":
        kwargs.setdefault("comment", "Fixed.")  # resolving needs the resolution
    actions.transition(ticket, action, actor=desk.agent1, **kwargs)
    _moved_to(ticket, when, before)
    ticket.refresh_from_db()
    return ticket


# -- policies --------------------------------------------------------------------------------------


@pytest.fixture
def catalogue(db):
    service = Service.objects.create(name="Workplace")
    printing = Category.objects.create(service=service, name="Printing")
    toner = Category.objects.create(service=service, parent=printing, name="Toner")
    network = Category.objects.create(service=service, name="Network")
    return printing, toner, network


def _policy(calendar, name, order, **match):
    return SlaPolicy.objects.create(name=name, order=order, calendar=calendar, first_response_minutes=60,
                                    resolution_minutes=480, **match)


def test_default_policies_follow_seed_003(desk):
    ticket = make_ticket(desk, cn(2025, 9, 29, 9), priority=1)
    policy = policy_for(ticket)
    assert (policy.first_response_minutes, policy.resolution_minutes, policy.follow_up_minutes) == (60, 480, 480)
    assert policy.calendar.name == "China mainland office hours"
    for priority, targets in {2: (60, 960), 3: (480, 2400), 4: (960, 4800), 5: (960, 4800)}.items():
        Ticket.objects.filter(pk=ticket.pk).update(priority=priority)
        ticket.refresh_from_db()
        policy = policy_for(ticket)
        assert (policy.first_response_minutes, policy.resolution_minutes) == targets


def test_first_active_match_in_order_wins(desk, calendar):
    SlaPolicy.objects.update(is_active=False)
    ticket = make_ticket(desk, cn(2025, 9, 29, 9), priority=2)
    assert policy_for(ticket) is None
    late = _policy(calendar, "late", 20)
    early = _policy(calendar, "early", 10)
    assert policy_for(ticket) == early
    SlaPolicy.objects.filter(pk=early.pk).update(order=30)
    assert policy_for(ticket) == late
    SlaPolicy.objects.filter(pk=late.pk).update(is_active=False)
    assert policy_for(ticket) == early


def test_each_matcher(desk, calendar, catalogue):
    printing, toner, network = catalogue
    SlaPolicy.objects.update(is_active=False)
    org_b = Organisation.objects.get(name="Organisation B")
    by_priority = _policy(calendar, "priority", 10, priorities=[1])
    by_type = _policy(calendar, "type", 20, ticket_types=["service_request"])
    by_category = _policy(calendar, "category", 30, category=printing)
    by_organisation = _policy(calendar, "organisation", 40, organisation=org_b)
    fallback = _policy(calendar, "fallback", 50)

    def policy(**fields):
        ticket = make_ticket(desk, cn(2025, 9, 29, 9), priority=3)
        Ticket.objects.filter(pk=ticket.pk).update(**fields)
        ticket.refresh_from_db()
        return policy_for(ticket)

    assert policy() == fallback
    assert policy(priority=1) == by_priority
    assert policy(type="service_request") == by_type
    assert policy(category=printing) == by_category
    assert policy(category=toner) == by_category, "a subcategory matches its parent's policy"
    assert policy(category=network) == fallback
    assert policy(organisation=org_b) == by_organisation
    assert policy(organisation=desk.customer1.organisation) == fallback
    both = _policy(calendar, "critical printing", 5, priorities=[1], category=printing)
    assert policy(priority=1, category=toner) == both
    assert policy(priority=1, category=network) == by_priority


# -- calendars -------------------------------------------------------------------------------------


def test_default_calendar_has_official_days(db):
    default = Calendar.objects.get(is_default=True)
    assert default.name == "China mainland office hours" and default.time_zone == "Asia/Shanghai"
    clock = business_calendar(default)
    assert clock.schedule_for(date(2025, 10, 1)) == ()
    assert clock.schedule_for(date(2025, 9, 28)) == clock.weekly[0], "the 调休 Sunday works as a Monday"
    assert clock.business_minutes_between(cn(2025, 9, 29, 9), cn(2025, 9, 30, 9)) == 480
    assert default.days.filter(source="official").count() == default.days.count() == 28 + 5 + 33 + 6


def test_load_holidays_is_idempotent_and_keeps_own_days(calendar):
    own = CalendarDay.objects.create(calendar=calendar, date=date(2025, 12, 24), name="Company party")
    out = StringIO()
    call_command("load-holidays", calendar=calendar.name, years=[2025, 2026], stdout=out)
    count = CalendarDay.objects.filter(calendar=calendar).count()
    assert calendar.name in out.getvalue() and "chinesecalendar" in out.getvalue()
    again = StringIO()
    call_command("load-holidays", calendar=calendar.name, years=[2025, 2026], stdout=again)
    assert "0 added, 0 updated, 9 set by hand kept" in again.getvalue()
    assert CalendarDay.objects.filter(calendar=calendar).count() == count
    assert CalendarDay.objects.filter(pk=own.pk).exists()
    spring = CalendarDay.objects.get(calendar=calendar, date=date(2026, 2, 16))
    assert spring.kind == "holiday" and spring.name == "春节 Spring Festival" and spring.source == "official"
    # The test's own National Day days and 调休 Saturday were entered by hand: kept as they were.
    saturday = CalendarDay.objects.get(calendar=calendar, date=date(2025, 10, 11))
    assert (saturday.kind, saturday.name, saturday.source) == ("workday", "调休", "manual")


def test_load_holidays_never_overwrites_a_day_changed_by_hand(calendar):
    call_command("load-holidays", calendar=calendar.name, years=[2026], stdout=StringIO())
    # An administrator decides the office works on the Spring Festival's last day…
    lunar = CalendarDay.objects.get(calendar=calendar, date=date(2026, 2, 23))
    lunar.kind, lunar.source = "workday", "manual"
    lunar.save()
    # …while a loaded day that went wrong (a corrected notice) is brought back to the source.
    CalendarDay.objects.filter(calendar=calendar, date=date(2026, 10, 1)).update(name="wrong")
    CalendarDay.objects.filter(calendar=calendar, date=date(2026, 1, 2)).delete()
    out = StringIO()
    call_command("load-holidays", calendar=calendar.name, years=[2026], stdout=out)
    assert "1 added, 1 updated, 1 set by hand kept" in out.getvalue()
    assert CalendarDay.objects.get(pk=lunar.pk).kind == "workday"
    assert CalendarDay.objects.get(calendar=calendar, date=date(2026, 10, 1)).name == "国庆节 National Day"
    assert business_calendar(Calendar.objects.get(pk=calendar.pk)).schedule_for(date(2026, 1, 2)) == ()


def test_load_holidays_for_a_year_the_package_lacks_says_so(calendar):
    with pytest.raises(CommandError, match=r"no official days for 2999: it covers 2004–20\d\d"):
        call_command("load-holidays", calendar=calendar.name, country="CN", years=[2999], stdout=StringIO())
    assert not CalendarDay.objects.filter(calendar=calendar, date__year=2999).exists()
    with pytest.raises(CommandError, match="no official holiday source for country 'XX'"):
        call_command("load-holidays", calendar=calendar.name, country="XX", years=[2026], stdout=StringIO())


def test_load_holidays_of_another_country(calendar):
    """Other countries from the holidays package: public holidays of any year, no adjusted working days."""
    out = StringIO()
    call_command("load-holidays", "--calendar", calendar.name, "--country", "DE", "--year", "2027", stdout=out)
    assert "from holidays " in out.getvalue()
    christmas = CalendarDay.objects.get(calendar=calendar, date=date(2027, 12, 25))
    assert (christmas.kind, christmas.name, christmas.source) == ("holiday", "Christmas Day", "official")
    assert not CalendarDay.objects.filter(calendar=calendar, date__year=2027, kind="workday").exists()


def test_load_holidays_from_the_command_line(calendar):
    """As README says: servicedesk load-holidays --country CN --year 2026."""
    out = StringIO()
    call_command("load-holidays", "--calendar", calendar.name, "--country", "CN", "--year", "2026", stdout=out)
    assert "for 2026" in out.getvalue()
    assert CalendarDay.objects.filter(calendar=calendar, date__year=2026, source="official").count() == 33 + 6


def test_business_calendar_is_reused_until_the_calendar_changes(calendar):
    first = business_calendar(Calendar.objects.get(pk=calendar.pk))
    assert business_calendar(Calendar.objects.get(pk=calendar.pk)) is first
    CalendarDay.objects.create(calendar=calendar, date=date(2025, 10, 9), name="Extra day off")
    rebuilt = business_calendar(Calendar.objects.get(pk=calendar.pk))
    assert rebuilt is not first and rebuilt.schedule_for(date(2025, 10, 9)) == ()


# -- due times -------------------------------------------------------------------------------------


def test_due_times_across_a_holiday_week_and_an_adjusted_saturday(desk, policy):
    ticket = make_ticket(desk, cn(2025, 9, 30, 10))
    state = sla_state(ticket, now=cn(2025, 9, 30, 11))
    # 420 minutes left on Tuesday, the holiday week, then one hour on Thursday 9 October.
    assert state.first_response.due_at == cn(2025, 10, 9, 10)
    # Tue 420 + Thu 480 + Fri 480 + Sat (works as Monday) 480 + Mon 480 + one hour on Tuesday 14 October.
    assert state.resolution.due_at == cn(2025, 10, 14, 10)
    assert state.resolution.due_at.tzinfo == UTC
    assert state.first_response.elapsed_minutes == 60 and state.first_response.running
    assert state.first_response.percent_used == 12.5
    assert state.follow_up_minutes == 480


def test_recomputation_after_a_calendar_edit(desk, policy, calendar):
    ticket = make_ticket(desk, cn(2025, 9, 30, 10))
    now = cn(2025, 9, 30, 11)
    assert sla_state(ticket, now=now).resolution.due_at == cn(2025, 10, 14, 10)
    CalendarDay.objects.get(calendar=calendar, date=date(2025, 10, 11)).delete()
    CalendarDay.objects.create(calendar=calendar, date=date(2025, 10, 9), name="Extra day off")
    state = sla_state(ticket, now=now)
    assert state.first_response.due_at == cn(2025, 10, 10, 10)
    assert state.resolution.due_at == cn(2025, 10, 16, 10)
    # The same answer as a calendar built that way from the start: nothing about the ticket was stored.
    fresh = Calendar.objects.create(name="Built that way", weekly=calendar.weekly)
    for day in CalendarDay.objects.filter(calendar=calendar):
        CalendarDay.objects.create(calendar=fresh, date=day.date, kind=day.kind, works_as=day.works_as)
    SlaPolicy.objects.filter(pk=policy.pk).update(calendar=fresh)
    assert sla_state(ticket, now=now) == state


def test_pending_on_the_customer_pauses_the_clocks(desk, policy):
    ticket = make_ticket(desk, cn(2025, 9, 29, 9))
    act(desk, ticket, cn(2025, 9, 29, 9), "acknowledge")
    unpaused = sla_state(ticket, now=cn(2025, 9, 29, 9, 30))
    assert unpaused.first_response.due_at == cn(2025, 9, 29, 18)
    act(desk, ticket, cn(2025, 9, 29, 10), "pend", pending_reason="customer")

    during = sla_state(ticket, now=cn(2025, 9, 29, 10, 30))
    assert during.first_response.paused and during.resolution.paused
    assert not during.resolution.running
    assert during.first_response.elapsed_minutes == 60
    assert sla_state(ticket, now=cn(2025, 9, 29, 15)).first_response.elapsed_minutes == 60

    act(desk, ticket, cn(2025, 9, 29, 11), "resume")
    after = sla_state(ticket, now=cn(2025, 9, 29, 12))
    assert not after.first_response.paused and after.first_response.running
    assert after.first_response.elapsed_minutes == 120
    # Paused for exactly one business hour: both due times move by one business hour.
    assert after.first_response.due_at == cn(2025, 9, 30, 10)
    # Mon, Tue, the holiday week, Thu, Fri, and the adjusted Saturday to its end.
    assert unpaused.resolution.due_at == cn(2025, 10, 11, 18)
    assert after.resolution.due_at == cn(2025, 10, 13, 10)


def test_a_pause_over_lunch_and_the_night_costs_only_business_time(desk, policy):
    ticket = make_ticket(desk, cn(2025, 9, 29, 9))
    act(desk, ticket, cn(2025, 9, 29, 9), "acknowledge")
    act(desk, ticket, cn(2025, 9, 29, 17), "pend", pending_reason="customer")
    act(desk, ticket, cn(2025, 9, 30, 9, 30), "resume")
    state = sla_state(ticket, now=cn(2025, 9, 30, 10))
    assert state.first_response.elapsed_minutes == 420 + 30
    assert state.first_response.due_at == cn(2025, 9, 30, 10, 30)


def test_pending_on_a_supplier_does_not_pause(desk, policy):
    ticket = make_ticket(desk, cn(2025, 9, 29, 9))
    act(desk, ticket, cn(2025, 9, 29, 9), "acknowledge")
    act(desk, ticket, cn(2025, 9, 29, 10), "pend", pending_reason="supplier")
    state = sla_state(ticket, now=cn(2025, 9, 29, 11))
    assert not state.first_response.paused and state.first_response.running
    assert state.first_response.elapsed_minutes == 120
    assert state.first_response.due_at == cn(2025, 9, 29, 18)


def test_the_customers_reply_resumes_the_clock(desk, policy):
    ticket = make_ticket(desk, cn(2025, 9, 29, 9))
    act(desk, ticket, cn(2025, 9, 29, 9), "acknowledge")
    act(desk, ticket, cn(2025, 9, 29, 10), "pend", pending_reason="customer")
    before = _history_ids(ticket)
    actions.add_comment(ticket, actor=desk.customer1, body="Here is the screenshot.")
    _moved_to(ticket, cn(2025, 9, 29, 14), before)
    state = sla_state(ticket, now=cn(2025, 9, 29, 15))
    assert state.resolution.running and state.resolution.elapsed_minutes == 60 + 60


@pytest.mark.parametrize("restart, due", [(True, cn(2025, 10, 14, 18)), (False, cn(2025, 10, 14, 16))])
def test_reopen_restarts_the_resolution_clock_when_the_policy_says_so(desk, policy, restart, due):
    SlaPolicy.objects.filter(pk=policy.pk).update(restart_on_reopen=restart)
    ticket = make_ticket(desk, cn(2025, 9, 29, 9))
    act(desk, ticket, cn(2025, 9, 29, 9), "acknowledge")
    act(desk, ticket, cn(2025, 9, 29, 11), "resolve")
    resolved = sla_state(ticket, now=cn(2025, 10, 9, 8))
    assert resolved.resolution.met_at == cn(2025, 9, 29, 11)
    assert not resolved.resolution.running and not resolved.resolution.breached
    assert resolved.resolution.elapsed_minutes == 120
    assert resolved.first_response.met_at == cn(2025, 9, 29, 11), "resolving answers the customer"

    act(desk, ticket, cn(2025, 10, 9, 9), "reopen")
    state = sla_state(ticket, now=cn(2025, 10, 9, 10))
    assert state.resolution.met_at is None and state.resolution.running
    assert state.resolution.started_at == (cn(2025, 10, 9, 9) if restart else cn(2025, 9, 29, 9))
    assert state.resolution.elapsed_minutes == (60 if restart else 180)
    assert state.resolution.due_at == due
    assert state.first_response.met_at == cn(2025, 9, 29, 11)


def test_a_priority_change_changes_the_targets(desk, calendar):
    SlaPolicy.objects.update(is_active=False)
    critical = SlaPolicy.objects.create(name="Critical", order=1, calendar=calendar, priorities=[1],
                                        first_response_minutes=60, resolution_minutes=480)
    SlaPolicy.objects.create(name="Other", order=2, calendar=calendar, first_response_minutes=480,
                             resolution_minutes=2400)
    ticket = make_ticket(desk, cn(2025, 9, 29, 9), priority=3)
    before = sla_state(ticket, now=cn(2025, 9, 29, 9, 30))
    assert (before.first_response.target_minutes, before.first_response.due_at) == (480, cn(2025, 9, 29, 18))
    ids = _history_ids(ticket)
    actions.set_priority(ticket, actor=desk.agent1, priority=1)
    _moved_to(ticket, cn(2025, 9, 29, 9, 30), ids)
    ticket.refresh_from_db()
    after = sla_state(ticket, now=cn(2025, 9, 29, 9, 45))
    assert after.policy == critical
    # Measured from creation: due an hour after the ticket came in, and a day's work to resolve.
    assert after.first_response.due_at == cn(2025, 9, 29, 10)
    assert after.resolution.due_at == cn(2025, 9, 29, 18)
    assert sla_state(ticket, now=cn(2025, 9, 29, 10, 1)).first_response.breached


def test_breached_and_met(desk, calendar):
    SlaPolicy.objects.update(is_active=False)
    SlaPolicy.objects.create(name="Urgent", order=1, calendar=calendar, first_response_minutes=60,
                             resolution_minutes=480)
    late = make_ticket(desk, cn(2025, 9, 29, 9))
    on_time = sla_state(late, now=cn(2025, 9, 29, 9, 59))
    assert not on_time.first_response.breached
    exactly = sla_state(late, now=cn(2025, 9, 29, 10))
    assert not exactly.first_response.breached and exactly.first_response.percent_used == 100.0
    breached = sla_state(late, now=cn(2025, 9, 29, 10, 1))
    assert breached.first_response.breached and breached.first_response.percent_used > 100
    assert not breached.resolution.breached

    answered = make_ticket(desk, cn(2025, 9, 29, 9))
    ids = _history_ids(answered)
    actions.add_comment(answered, actor=desk.agent1, body="Looking into it.")
    _moved_to(answered, cn(2025, 9, 29, 9, 30), ids)
    state = sla_state(answered, now=cn(2025, 9, 30, 9, 30))
    assert state.first_response.met_at == cn(2025, 9, 29, 9, 30)
    assert not state.first_response.breached and not state.first_response.running
    assert state.first_response.elapsed_minutes == 30
    assert state.resolution.breached, "480 business minutes passed without a resolution"


def test_state_as_of_an_earlier_instant_ignores_later_history(desk, policy):
    ticket = make_ticket(desk, cn(2025, 9, 29, 9))
    act(desk, ticket, cn(2025, 9, 29, 9), "acknowledge")
    act(desk, ticket, cn(2025, 9, 29, 10), "pend", pending_reason="customer")
    act(desk, ticket, cn(2025, 9, 29, 11), "resume")
    assert sla_state(ticket, now=cn(2025, 9, 29, 9, 30)).first_response.due_at == cn(2025, 9, 29, 18)


def test_a_day_edited_in_the_admin_becomes_the_administrators(calendar):
    from django.forms import modelform_factory

    from servicedesk.sla.admin import CalendarDayForm as AdminForm

    CalendarDayForm = modelform_factory(CalendarDay, form=AdminForm, fields=["date", "kind", "works_as", "name"])
    call_command("load-holidays", calendar=calendar.name, years=[2026], stdout=StringIO())
    day = CalendarDay.objects.get(calendar=calendar, date=date(2026, 5, 5))
    untouched = CalendarDayForm({"date": "2026-05-05", "kind": day.kind, "works_as": day.works_as, "name": day.name},
                                instance=day)
    assert untouched.is_valid() and untouched.save().source == "official"
    form = CalendarDayForm({"date": "2026-05-05", "kind": "workday", "works_as": 0, "name": day.name}, instance=day)
    assert form.is_valid(), form.errors
    form.save()
    assert CalendarDay.objects.get(pk=day.pk).source == "manual"
