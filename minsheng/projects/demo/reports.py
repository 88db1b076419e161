"""The city leaders' key projects, written through the services: created one by one, reported on every
month by the lead unit (with evidence photos and co-unit contributions) and accepted by the project
officer; a completion goes through a completion report with evidence, after every milestone is done."""

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model

from minsheng.org.choices import Role
from minsheng.org.services import membership_grant, user_create

from .. import programmes, services
from ..choices import ProjectStatus, ReportState, WarningLevel
from ..models import Milestone, Project, ProjectCategory
from .photos import photo
from .plan import ProjectPlan


@dataclass
class Cast:
    officer: object
    leader: object
    supervisor: object
    heads: dict  # unit code -> a unit head (created on demand)


def head_of(cast: Cast, foshan, code: str):
    if code not in cast.heads:
        unit = foshan.units_by_code[code]
        existing = get_user_model().objects.filter(memberships__unit=unit, memberships__role=Role.UNIT_HEAD).first()
        if existing is None:
            # Acting persons only (no password: hashing one per unit would dominate the demo's time).
            existing = user_create(username=f"head-{code.lower()}", password=None,
                                   display_name=f"{unit.short_name or unit.name}负责人")
            membership_grant(user=existing, role=Role.UNIT_HEAD, unit=unit)
        cast.heads[code] = existing
    return cast.heads[code]


def leaders_create(*, cast: Cast, foshan, project_list, plans: list[ProjectPlan], today: dt.date) -> dict:
    categories = {c.code: c for c in ProjectCategory.objects.all()}
    created = {}
    for plan in plans:
        project = services.project_create(
            actor=cast.officer, project_list=project_list, code=plan.code, title=plan.title, content=plan.content,
            category=categories[plan.type_code], source=plan.source,
            source_reference=f"市领导调研课题：{plan.research_topic}", lead_unit=foshan.units_by_code[plan.lead],
            co_units=[foshan.units_by_code[c] for c in plan.co], responsible_leader=plan.responsible_leader,
            start_date=plan.start, end_date=plan.end, today=today)
        for milestone in plan.milestones:
            services.milestone_add(actor=cast.officer, project=project, title=milestone.title, due_date=milestone.due,
                                   weight=milestone.weight, today=today)
        for indicator in plan.indicators:
            services.indicator_add(actor=cast.officer, project=project, name=indicator.name, unit=indicator.unit,
                                   baseline=Decimal(indicator.baseline), target=Decimal(indicator.target), today=today)
        created[plan.code] = programmes.project_classify(
            actor=cast.officer, project=project, research_topic=plan.research_topic, flagship=plan.flagship,
            indicator_groups={i.name: i.group for i in plan.indicators if i.group})
    return created


def report_month(rng: random.Random, cast: Cast, foshan, project: Project, plan: ProjectPlan, month_end: dt.date,
                 as_of: dt.date, completed: set[str]) -> None:
    """The lead unit's report on the month ending ``month_end``, and the officer's decision on it."""
    if plan.code in completed or month_end < plan.start:
        return
    project.refresh_from_db()
    head = head_of(cast, foshan, plan.lead)
    by_title = {m.title: m for m in Milestone.objects.filter(project=project)}
    done = {}
    for milestone_plan in plan.milestones:
        day = plan.done_by(milestone_plan, month_end)
        milestone = by_title.get(milestone_plan.title)
        if day and milestone and milestone.done_at is None:
            done[milestone.pk] = day
    by_name = {i.name: i for i in project.indicators.all()}
    actuals = {}
    for indicator_plan in plan.indicators:
        value = plan.actual(indicator_plan, month_end)
        if value is not None and indicator_plan.name in by_name:
            actuals[by_name[indicator_plan.name].pk] = value
    finishing = plan.completed_by(month_end)
    text = (f"{month_end:%m}月：{plan.title}" + ("全面完成，各项指标达到目标，申请验收。" if finishing else
            rng.choice(["按计划推进，完成月度任务。", "加快施工进度，协调解决用地问题。", "推进顺利，群众反映良好。",
                        "受天气影响进度略有延后，已制定赶工计划。"])))
    evidence = [photo(rng, f"{plan.code}-{month_end:%Y%m}")] if finishing or rng.random() < 0.5 else []
    report = services.report_submit(actor=head, project=project, period=month_end.replace(day=1), text=text,
                                    milestone_done=done, indicator_actuals=actuals, claims_completion=finishing,
                                    evidence=evidence, today=month_end)
    if plan.co and rng.random() < 0.4:
        co_unit = foshan.units_by_code[plan.co[0]]
        services.report_contribute(actor=head_of(cast, foshan, co_unit.code), report=report,
                                   text=f"{co_unit.short_name or co_unit.name}：配合完成相关审批和协调工作。")
    if month_end == as_of and not finishing:  # the campaign's last month: some reports are still with the officer
        draw = rng.random()
        if draw < 0.25:
            return
        if draw < 0.35:
            services.report_return(actor=cast.officer, report=report, reason="请补充现场照片和指标佐证材料。")
            return
    services.report_accept(actor=cast.officer, report=report, today=month_end)
    _show_evidence(cast, report)
    if finishing:
        completed.add(plan.code)


def _show_evidence(cast: Cast, report) -> None:
    """The officer shows an accepted report's photos to the public (evidence is private until then)."""
    for evidence in report.evidence.all():
        if evidence.is_image:
            services.evidence_publish(actor=cast.officer, evidence=evidence, public=True)


def supervision(cast: Cast, foshan, today: dt.date) -> None:
    """Supervision notices on red projects, leaders' instructions, deadline requests, a report waiting."""
    red = list(Project.objects.filter(warning=WarningLevel.RED).order_by("code")[:12])
    for number, project in enumerate(red):
        notice = services.supervision_issue(actor=cast.supervisor, project=project,
                                            text="该项目节点逾期，请于 5 个工作日内报送整改措施并加快推进。",
                                            respond_by=today + dt.timedelta(days=7))
        if number % 2 == 0:
            services.supervision_acknowledge(actor=head_of(cast, foshan, project.lead_unit.code), notice=notice,
                                             response="已召开专题会议，倒排工期，本月底前完成滞后节点。")
    for project in Project.objects.filter(project_list__level__code="city_leaders").order_by("code")[:6]:
        services.instruction_give(actor=cast.leader, project=project,
                                  text="要以钉钉子精神抓好落实，确保年底前见到实效。")
    pending = Project.objects.filter(status=ProjectStatus.IN_PROGRESS, warning=WarningLevel.YELLOW).order_by("code")
    for project in pending[:3]:
        services.deadline_change_request(actor=head_of(cast, foshan, project.lead_unit.code), project=project,
                                         requested_date=project.end_date + dt.timedelta(days=60),
                                         reason="受征地拆迁影响，申请延长完成时限。")
    waiting = Project.objects.filter(lead_unit__code="FS-CGJ", reports__state=ReportState.SUBMITTED).exists()
    if not waiting:
        project = (Project.objects.filter(lead_unit__code="FS-CGJ", status=ProjectStatus.IN_PROGRESS)
                   .exclude(reports__period=today.replace(day=1)).first())
        if project is not None:
            services.report_submit(actor=cast.heads["FS-CGJ"], project=project, period=today,
                                   text="本月完成投放点建设 40 个。", today=today)
