"""Correct stored due dates that were computed in UTC instead of the city's zone (TIME_ZONE).

Before this migration a working-day deadline counted from the UTC date of its start and ended at
23:59:59 UTC: eight hours late in Beijing time, and a whole working day early for a case registered
before 08:00. Every working-day clock (case, leg handling, leg signing) is recomputed from its stored
start and length on the stored calendar; the breaches that depend on it follow the corrected date;
each corrected case gets a ``recompute`` event saying so; the metrics roll-up is emptied, so every
past day is counted live until the next refresh rolls it up again (``metrics_rollup_refresh``).
"""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations
from django.utils import timezone

BATCH = 2000
OPEN = {"registered", "dispatched", "returned", "handling", "answered"}  # running clocks (suspended excluded)


def _due(calendar, tz, start, days):
    from minsheng.workdays.calendar import due_after_working_days

    return due_after_working_days(calendar, start, days, tz=tz)


def correct(apps, schema_editor):
    from minsheng.workdays.calendar import CalendarOutOfRange, WorkCalendar

    Day = apps.get_model("workdays", "Day")
    Appeal = apps.get_model("appeals", "Appeal")
    AppealEvent = apps.get_model("appeals", "AppealEvent")
    DispatchLeg = apps.get_model("appeals", "DispatchLeg")
    if not Appeal.objects.exists():
        return
    calendar = WorkCalendar.from_days(Day.objects.values_list("date", "is_workday"),
                                      provisional=Day.objects.filter(provisional=True).values_list("date", flat=True))
    tz = ZoneInfo(settings.TIME_ZONE)
    now = timezone.now()

    cases, events = [], []
    for appeal in Appeal.objects.filter(due_working_days__isnull=False).exclude(state="suspended").iterator(BATCH):
        try:
            due = _due(calendar, tz, appeal.due_basis_at, appeal.due_working_days)
        except CalendarOutOfRange:
            continue
        if due == appeal.due_at:
            continue
        old = appeal.due_at
        appeal.due_at = due
        # As the services decide: an open case breaches when the clock passes, a closed one if it closed
        # late; a case awaiting callback is judged when it closes (a breach already seen moves with the date).
        ended = now if appeal.state in OPEN else appeal.closed_at
        if ended is not None:
            appeal.breached_at = due if ended > due else None
        elif appeal.breached_at is not None:
            appeal.breached_at = due
        if appeal.warned_at is not None and appeal.breached_at is None and due > old:
            appeal.warned_at = None
        cases.append(appeal)
        events.append(AppealEvent(appeal=appeal, action="recompute", from_state=appeal.state, to_state=appeal.state,
                                  at=now, payload={"from": old.isoformat(), "to": due.isoformat(),
                                                   "correction": "city_time_zone"}))
        if len(cases) >= BATCH:
            Appeal.objects.bulk_update(cases, ["due_at", "breached_at", "warned_at"])
            AppealEvent.objects.bulk_create(events)
            cases, events = [], []
    Appeal.objects.bulk_update(cases, ["due_at", "breached_at", "warned_at"])
    AppealEvent.objects.bulk_create(events)

    legs = []
    for leg in DispatchLeg.objects.filter(suspended_at__isnull=True).iterator(BATCH):
        changed = False
        try:
            if leg.handle_working_days is not None:
                due = _due(calendar, tz, leg.handle_basis_at, leg.handle_working_days)
                if due != leg.handle_due_at:
                    leg.handle_due_at, changed = due, True
                    ended = now if leg.state == "signed" else leg.answered_at
                    if ended is not None:
                        leg.handle_breached_at = due if ended > due else None
                    elif leg.handle_breached_at is not None:
                        leg.handle_breached_at = due
            if leg.sign_working_days is not None:
                due = _due(calendar, tz, leg.dispatched_at, leg.sign_working_days)
                if due != leg.sign_due_at:
                    leg.sign_due_at, changed = due, True
                    if leg.signed_at is not None:
                        leg.sign_breached = leg.signed_at > due
        except CalendarOutOfRange:
            continue
        if changed:
            legs.append(leg)
        if len(legs) >= BATCH:
            DispatchLeg.objects.bulk_update(legs, ["handle_due_at", "handle_breached_at", "sign_due_at",
                                                   "sign_breached"])
            legs = []
    DispatchLeg.objects.bulk_update(legs, ["handle_due_at", "handle_breached_at", "sign_due_at", "sign_breached"])

    # Every rolled-up day may have moved: count live until the roll-up is refreshed.
    apps.get_model("appeals", "AppealRolledDay").objects.all().delete()
    apps.get_model("appeals", "AppealDayCounts").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("appeals", "0005_metrics_rollup"),
        ("workdays", "0002_provisional_years"),
    ]

    operations = [migrations.RunPython(correct, migrations.RunPython.noop, elidable=True)]
