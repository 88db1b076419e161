"""The lists other than the city leaders', written in bulk: the rows the services would write.

At full scale these are 9,430 projects with ~24,000 milestones and ~15,000 indicators over four months;
one service call per project and month would take the demo past ten minutes, so this writer inserts
and updates many rows per statement (``bulk_create``, ``bulk.rows_update``) and keeps the records
whole: every project has its creation event, each month's figures an event, each completion an
accepted completion report with evidence, its events, and every milestone done and indicator at target.
"""

import datetime as dt
import functools
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.org.choices import UnitKind
from minsheng.org.models import Region
from minsheng.org.services import unit_create
from minsheng.workdays.selectors import calendar_current

from .. import services
from ..bulk import rows_update
from ..choices import ACTIVE_STATUSES, EventAction, ProjectStatus, ReportState, WarningLevel
from ..models import Evidence, Indicator, Milestone, ProgressReport, Project, ProjectCategory, ProjectEvent
from .photos import PHOTOS
from .plan import Campaign, ListPlan, ProjectPlan
from .reports import Cast, head_of

BATCH = 2000


def city_units_create(*, campaign: Campaign, foshan) -> None:
    """The city-level units the campaign's plan needs beyond the organisation's demo."""
    for code, name in campaign.city_units:
        if code not in foshan.units_by_code:
            foshan.units_by_code[code] = unit_create(code=code, name=name, short_name=name.removeprefix("佛山"),
                                                     kind=UnitKind.OTHER, regions=[foshan.city])


@functools.cache
def _moment(day: dt.date, hour: int = 17) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


class BulkWriter:
    def __init__(self, *, campaign: Campaign, foshan, cast: Cast, lists: dict, plans: list[ListPlan]):
        self.campaign = campaign
        self.foshan = foshan
        self.cast = cast
        self.lists = lists
        self.plans: list[tuple[str, ProjectPlan]] = [(p.key, project) for p in plans for project in p.projects]
        self.ids: dict[str, int] = {}
        self.milestone_ids: dict[tuple[int, str], int] = {}
        self.indicator_ids: dict[tuple[int, str], int] = {}
        self.done: set[int] = set()  # milestones marked done
        self.actuals: dict[int, object] = {}
        self.completed: set[str] = set()
        self.previous_month_end: dt.date | None = None
        self._evidence_name: str | None = None
        # What each project looks like now (status, dates, computed fields), for recomputing in memory.
        self.state: dict[int, SimpleNamespace] = {}

    def _event(self, project_id: int, action: str, day: dt.date, *, actor=None, before=None, after=None,
               note: str = "") -> ProjectEvent:
        actor = actor or self.cast.officer
        return ProjectEvent(project_id=project_id, action=action, actor_id=actor.pk,
                            actor_name=getattr(actor, "display_name", "") or actor.get_username(), at=_moment(day),
                            before=before or {}, after=after or {}, note=note)

    def create(self) -> None:
        units = {code: unit.pk for code, unit in self.foshan.units_by_code.items()}
        categories = dict(ProjectCategory.objects.values_list("code", "pk"))
        places = Region.objects.filter(level__in=["district", "town"])
        regions = {code: (pk, parent_id, level) for code, pk, parent_id, level in
                   places.values_list("code", "pk", "parent_id", "level")}
        rows = []
        for key, plan in self.plans:
            region_id = district_id = None
            if plan.region:
                region_id, parent_id, level = regions[plan.region]
                district_id = region_id if level == "district" else parent_id
            rows.append(Project(
                project_list=self.lists[key], code=plan.code, title=plan.title, content=plan.content,
                category_id=categories[plan.type_code], source=plan.source, research_topic=plan.research_topic,
                flagship=plan.flagship, lead_unit_id=units[plan.lead], responsible_leader=plan.responsible_leader,
                region_id=region_id, district_id=district_id, start_date=plan.start, end_date=plan.end,
                original_end_date=plan.end, status=ProjectStatus.IN_PROGRESS, progress=0.0,
                warning=WarningLevel.GREEN))
        Project.objects.bulk_create(rows, batch_size=BATCH)
        keys = {key for key, _plan in self.plans}
        self.ids = dict(Project.objects.filter(project_list__in=[self.lists[key] for key in keys])
                        .values_list("code", "pk"))
        for _key, plan in self.plans:
            self.state[self.ids[plan.code]] = SimpleNamespace(
                pk=self.ids[plan.code], status=ProjectStatus.IN_PROGRESS, start_date=plan.start, end_date=plan.end,
                progress=0.0, warning=WarningLevel.GREEN, warning_reason="", lagging_month=None)
        through = Project.co_units.through
        co_rows, milestones, indicators, events = [], [], [], []
        for _key, plan in self.plans:
            pk = self.ids[plan.code]
            co_rows.extend(through(project_id=pk, unit_id=units[code]) for code in plan.co)
            milestones.extend(Milestone(project_id=pk, title=m.title, due_date=m.due, original_due_date=m.due,
                                        weight=m.weight) for m in plan.milestones)
            indicators.extend(Indicator(project_id=pk, name=i.name, unit=i.unit, group=i.group, baseline=i.baseline,
                                        target=i.target) for i in plan.indicators)
            events.append(self._event(pk, EventAction.CREATED, plan.start, after={
                "code": plan.code, "title": plan.title, "lead_unit": units[plan.lead], "start_date": str(plan.start),
                "end_date": str(plan.end), "status": ProjectStatus.IN_PROGRESS}))
        through.objects.bulk_create(co_rows, batch_size=BATCH)
        Milestone.objects.bulk_create(milestones, batch_size=BATCH)
        Indicator.objects.bulk_create(indicators, batch_size=BATCH)
        ProjectEvent.objects.bulk_create(events, batch_size=BATCH)
        project_ids = list(self.ids.values())
        for chunk in range(0, len(project_ids), 900):
            part = project_ids[chunk:chunk + 900]
            milestones = Milestone.objects.filter(project_id__in=part).values_list("project_id", "title", "pk")
            self.milestone_ids.update(((project_id, title), pk) for project_id, title, pk in milestones)
            indicators = Indicator.objects.filter(project_id__in=part).values_list("project_id", "name", "pk")
            self.indicator_ids.update(((project_id, name), pk) for project_id, name, pk in indicators)

    def month(self, month_end: dt.date) -> None:
        """The month's figures (milestones done, indicators' actuals), then the month's completions."""
        done_rows, actual_rows, events, finishing = [], [], [], []
        for _key, plan in self.plans:
            if plan.code in self.completed:
                continue
            pk = self.ids[plan.code]
            newly_done, figures = [], {}
            for milestone in plan.milestones:
                day = plan.done_by(milestone, month_end)
                milestone_id = self.milestone_ids[(pk, milestone.title)]
                if day is not None and milestone_id not in self.done:
                    self.done.add(milestone_id)
                    done_rows.append(Milestone(pk=milestone_id, done_at=day))
                    newly_done.append(milestone.title)
            for indicator in plan.indicators:
                value = plan.actual(indicator, month_end)
                indicator_id = self.indicator_ids[(pk, indicator.name)]
                if value is not None and self.actuals.get(indicator_id) != value:
                    self.actuals[indicator_id] = value
                    actual_rows.append(Indicator(pk=indicator_id, actual=value, as_of=month_end))
                    figures[indicator.name] = str(value)
            if newly_done or figures:
                events.append(self._event(pk, EventAction.UPDATED, month_end, after={
                    "period": month_end.strftime("%Y-%m"), "milestones_done": newly_done, "indicator_actuals": figures},
                    note=f"{month_end:%Y-%m} 月度进展台账"))
            if plan.completed_by(month_end):
                finishing.append(plan)
        rows_update(done_rows, ["done_at"])
        rows_update(actual_rows, ["actual", "as_of"])
        ProjectEvent.objects.bulk_create(events, batch_size=BATCH)
        self._complete(finishing, month_end)
        self.previous_month_end = month_end

    def _evidence(self) -> str:
        if self._evidence_name is None:
            self._evidence_name = default_storage.save("projects/evidence/demo/竣工验收.png", ContentFile(PHOTOS[0]))
        return self._evidence_name

    def _complete(self, plans: list[ProjectPlan], month_end: dt.date) -> None:
        """Completion reports with evidence, accepted: every milestone is done and every target reached."""
        if not plans:
            return
        officer = self.cast.officer
        period = month_end.replace(day=1)
        reports = []
        for plan in plans:
            head = head_of(self.cast, self.foshan, plan.lead)
            reports.append(ProgressReport(
                project_id=self.ids[plan.code], period=period, claims_completion=True, state=ReportState.ACCEPTED,
                text=f"{plan.title}已全面完成，各项指标达到目标，申请验收。", author=head,
                submitted_at=_moment(plan.completion, 10), reviewed_by=officer, reviewed_at=_moment(plan.completion)))
        ProgressReport.objects.bulk_create(reports, batch_size=BATCH)
        ids = [self.ids[plan.code] for plan in plans]
        report_ids = dict(ProgressReport.objects.filter(project_id__in=ids, period=period, claims_completion=True)
                          .values_list("project_id", "pk"))
        evidence, events, projects = [], [], []
        name = self._evidence()
        for plan in plans:
            pk = self.ids[plan.code]
            head = self.cast.heads[plan.lead]
            evidence.append(Evidence(project_id=pk, report_id=report_ids[pk], file=name, caption="竣工验收现场照片",
                                     uploaded_by=head, is_public=True))  # accepted, and shown by the officer
            events += [
                self._event(pk, EventAction.REPORT_SUBMITTED, plan.completion, actor=head, after={
                    "report": report_ids[pk], "period": period.strftime("%Y-%m"), "claims_completion": True}),
                self._event(pk, EventAction.REPORT_ACCEPTED, plan.completion, after={"report": report_ids[pk]}),
                self._event(pk, EventAction.COMPLETED, plan.completion, before={"status": ProjectStatus.IN_PROGRESS},
                            after={"status": ProjectStatus.COMPLETED},
                            note=_("Accepted report for %(period)s") % {"period": period.strftime("%Y-%m")}),
            ]
            projects.append(Project(pk=pk, status=ProjectStatus.COMPLETED, completed_at=_moment(plan.completion),
                                    version=2))
            self.state[pk].status = ProjectStatus.COMPLETED
            self.completed.add(plan.code)
        Evidence.objects.bulk_create(evidence, batch_size=BATCH)
        ProjectEvent.objects.bulk_create(events, batch_size=BATCH)
        rows_update(projects, ["status", "completed_at", "version"])
        self.recompute(month_end, plans)

    def recompute(self, month_end: dt.date, plans: list[ProjectPlan] | None = None) -> None:
        """Progress and warnings as of ``month_end`` — the services' own rule (``assessment_for``), applied to
        the figures the plan has just written rather than read back row by row; a changed warning is an event.
        Without ``plans``: every project still watched (not started or in progress)."""
        calendar = calendar_current()
        if plans is None:
            plans = [plan for _key, plan in self.plans if self.state[self.ids[plan.code]].status in ACTIVE_STATUSES]
        rows, events = [], []
        for plan in plans:
            state = self.state[self.ids[plan.code]]
            milestones = [SimpleNamespace(weight=m.weight, done_at=plan.done_by(m, month_end), due_date=m.due)
                          for m in plan.milestones]
            indicators = [SimpleNamespace(weight=1, baseline=Decimal(i.baseline), target=Decimal(i.target),
                                          actual=plan.actual(i, month_end)) for i in plan.indicators]
            before = (state.progress, state.warning, state.lagging_month)
            progress, assessment = services.assessment_for(project=state, milestones=milestones, indicators=indicators,
                                                           today=month_end, calendar=calendar)
            change = services.project_apply_assessment(state, progress, assessment, month_end)
            if change:
                events.append(services.event_build(project=state, action=EventAction.WARNING_CHANGED,
                                                   at=_moment(month_end, 23), **change))
            if before != (state.progress, state.warning, state.lagging_month):
                rows.append(Project(pk=state.pk, progress=state.progress, warning=state.warning,
                                    warning_reason=state.warning_reason, lagging_month=state.lagging_month))
        rows_update(rows, ["progress", "warning", "warning_reason", "lagging_month"])
        ProjectEvent.objects.bulk_create(events, batch_size=BATCH)
