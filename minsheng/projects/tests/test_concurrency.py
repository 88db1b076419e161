"""Races on PostgreSQL: two officers accepting the same report at once — one wins, the other gets a conflict."""

import datetime as dt
import threading

import pytest
from django.db import connections

from minsheng.conflicts import Conflict
from minsheng.org.choices import Role
from minsheng.org.tests.factories import person, unit
from minsheng.projects import services
from minsheng.projects.choices import ReportState
from minsheng.projects.models import ProgressReport

pytestmark = [pytest.mark.postgres_only]


def test_report_is_accepted_once_when_two_officers_race(transactional_db, work_calendar):
    lead = unit("佛山市水利局", code="FS-SLJ")
    officers = [person(Role.PROJECT_OFFICER), person(Role.PROJECT_OFFICER)]
    handler = person(Role.UNIT_HANDLER, unit=lead)
    level = services.list_level_create(code="department", name="部门民生实事")
    project_list = services.project_list_create(actor=officers[0], year=2026, level=level, name="水利局民生实事",
                                                owner_unit=lead)
    project = services.project_create(actor=officers[0], project_list=project_list, code="SL-1", title="河涌整治",
                                      lead_unit=lead, start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31),
                                      today=dt.date(2026, 5, 15))
    report = services.report_submit(actor=handler, project=project, period=dt.date(2026, 5, 1), text="完成清淤",
                                    today=dt.date(2026, 5, 15))
    barrier = threading.Barrier(2)
    outcomes = []

    def accept(officer):
        try:
            barrier.wait()
            services.report_accept(actor=officer, report=report, today=dt.date(2026, 5, 15))
            outcomes.append("accepted")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(officer,)) for officer in officers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["accepted", "conflict"]
    assert ProgressReport.objects.get(pk=report.pk).state == ReportState.ACCEPTED
