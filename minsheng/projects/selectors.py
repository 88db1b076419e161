"""Every read of lists and projects, scoped to the user through ``minsheng.org.scope``.

Who reaches a project:

* project officers (and administrators) read and write every project in their region;
* supervisors and leaders read every project in their region (leaders never write);
* the lead unit's handlers and heads read and edit their unit's projects;
* co-units' handlers and heads read the projects they assist and contribute to their reports;
* the public (anyone, signed in or not) reads published lists through ``public_*`` selectors only.
"""

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet

from minsheng.org.choices import Role
from minsheng.org.scope import ObjectScope, grants_reaching_region, roles, scope_condition, user_scope

from .choices import ProjectStatus, RatingLevel, ReportState, RequestState, WarningLevel
from .models import (
    DeadlineChangeRequest,
    Evidence,
    ListLevel,
    MonthlySnapshot,
    ProgressReport,
    Project,
    ProjectCategory,
    ProjectList,
    ProjectRating,
    SupervisionNotice,
)

UNIT_STAFF = roles(Role.UNIT_HANDLER, Role.UNIT_HEAD)

# Reading and editing a project.
PROJECT_RULES = ObjectScope(
    read_region=roles(Role.PROJECT_OFFICER, Role.SUPERVISOR, Role.LEADER),
    write_region=roles(Role.PROJECT_OFFICER),
    read_unit=UNIT_STAFF,
    write_unit=UNIT_STAFF,
    region_lookup="region",
    unit_lookup="lead_unit",
)
# Officer-only acts: lists, import, bulk changes, status, accepting reports, approving deadlines.
MANAGE_RULES = ObjectScope(write_region=roles(Role.PROJECT_OFFICER), region_lookup="region")
# The lead unit's acts: reports, milestones done, deadline requests, acknowledging notices.
LEAD_RULES = ObjectScope(write_unit=UNIT_STAFF, unit_lookup="lead_unit")
# Issuing supervision notices.
SUPERVISE_RULES = ObjectScope(write_region=roles(Role.PROJECT_OFFICER, Role.SUPERVISOR), region_lookup="region")
# Lists: officers manage, everyone with a project role reads.
LIST_RULES = ObjectScope(
    read_region=roles(Role.PROJECT_OFFICER, Role.SUPERVISOR, Role.LEADER, Role.UNIT_HANDLER, Role.UNIT_HEAD),
    write_region=roles(Role.PROJECT_OFFICER),
)


def _co_unit_condition(user) -> Q | None:
    unit_ids = user_scope(user).unit_ids(*UNIT_STAFF)
    if not unit_ids:
        return None
    through = Project.co_units.through.objects.filter(unit_id__in=unit_ids).values("project_id")
    return Q(pk__in=through)


def _restrict(queryset: QuerySet, *, user, action: str, rules: ObjectScope, co_units: bool = False) -> QuerySet:
    conditions = [c for c in (scope_condition(user_scope(user), action=action, rules=rules),
                              _co_unit_condition(user) if co_units else None) if c is not None]
    if not conditions:
        return queryset.none()
    if any(not c for c in conditions):
        return queryset
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return queryset.filter(combined)


def project_scope(queryset: QuerySet | None = None, *, user, action: str = "read") -> QuerySet[Project]:
    """Projects ``user`` may read (lead unit, co-unit, region roles) or write (officers, lead unit)."""
    queryset = Project.objects.all() if queryset is None else queryset
    return _restrict(queryset, user=user, action=action, rules=PROJECT_RULES, co_units=action == "read")


def project_scope_is_everything(user) -> bool:
    """Whether the user reads every project (city-wide roles): city-wide summaries then apply unchanged."""
    condition = scope_condition(user_scope(user), action="read", rules=PROJECT_RULES)
    return condition is not None and not condition


def _can(user, project: Project, rules: ObjectScope, action: str = "write") -> bool:
    return _restrict(Project.objects.filter(pk=project.pk), user=user, action=action, rules=rules).exists()


def project_can_read(user, project: Project) -> bool:
    return project_scope(Project.objects.filter(pk=project.pk), user=user).exists()


def project_can_edit(user, project: Project) -> bool:
    return _can(user, project, PROJECT_RULES)


def project_can_manage(user, project: Project | None = None) -> bool:
    """Officer acts on one project, or (no project) anywhere at all — creating lists, importing."""
    if project is None:
        return scope_condition(user_scope(user), action="write", rules=MANAGE_RULES) is not None
    return _can(user, project, MANAGE_RULES)


def project_officer_covers(user, region) -> bool:
    """Whether one of the user's project-officer grants covers ``region`` (no region: a city-wide project,
    which only a city-wide officer manages). For a project that does not exist yet or is moved."""
    return grants_reaching_region(user, region=region, only_roles=[Role.PROJECT_OFFICER])


def project_list_can_manage(user, project_list: ProjectList | None = None, *, owner_unit=None) -> bool:
    """Officer acts on a whole list (create, publish, withdraw, import into it).

    A list belongs to its owner unit: one project-officer grant must cover every region that unit serves
    (a unit serving no region in particular, like a municipal department, counts as city-wide)."""
    unit = owner_unit if owner_unit is not None else project_list.owner_unit
    regions = list(unit.regions.all()) if unit is not None else []
    scope = user_scope(user)
    if scope.is_superuser or Role.ADMIN in scope.roles:
        return True
    for grant in scope.grants:
        if grant.role != Role.PROJECT_OFFICER:
            continue
        if grant.region_path is None:
            return True
        if grant.region_path and regions and all(r.path.startswith(grant.region_path) for r in regions):
            return True
    return False


def project_can_report(user, project: Project) -> bool:
    return _can(user, project, LEAD_RULES)


def project_can_contribute(user, project: Project) -> bool:
    unit_ids = user_scope(user).unit_ids(*UNIT_STAFF)
    return bool(unit_ids) and project.co_units.filter(pk__in=unit_ids).exists()


def project_can_supervise(user, project: Project) -> bool:
    return _can(user, project, SUPERVISE_RULES)


def project_can_instruct(user, project: Project) -> bool:
    scope = user_scope(user)
    if not (scope.has_role(Role.LEADER) or Role.ADMIN in scope.roles):
        return False
    # The leader grant itself must reach the project (not a project-officer grant elsewhere).
    condition = scope_condition(scope, action="read", rules=PROJECT_RULES, only_roles=[Role.LEADER])
    return condition is not None and Project.objects.filter(condition, pk=project.pk).exists()


def list_levels() -> QuerySet[ListLevel]:
    return ListLevel.objects.all()


def categories() -> QuerySet[ProjectCategory]:
    return ProjectCategory.objects.select_related("parent")


def project_list_index(*, user, year: int | None = None) -> QuerySet[ProjectList]:
    """Lists the user can see: all in reach for region roles, else the lists holding their projects."""
    lists = ProjectList.objects.select_related("level", "owner_unit")
    if year:
        lists = lists.filter(year=year)
    condition = scope_condition(user_scope(user), action="read", rules=LIST_RULES)
    scope = user_scope(user)
    if condition is None:
        return lists.none()
    region_roles = roles(Role.PROJECT_OFFICER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN)
    if not (scope.is_superuser or scope.roles & region_roles):
        lists = lists.filter(pk__in=project_scope(user=user).values("project_list_id"))
    return lists.annotate(
        project_count=Count("projects", distinct=True),
        completed_count=Count("projects", filter=Q(projects__status=ProjectStatus.COMPLETED), distinct=True),
    )


def project_list_get(*, user, pk: int) -> ProjectList:
    return project_list_index(user=user).get(pk=pk)


def project_search(*, user, project_list: ProjectList | None = None, filters: dict | None = None) -> QuerySet[Project]:
    filters = filters or {}
    projects = project_scope(user=user).select_related("lead_unit", "category", "project_list__level", "district")
    if project_list is not None:
        projects = projects.filter(project_list=project_list)
    if filters.get("status"):
        projects = projects.filter(status=filters["status"])
    if filters.get("warning"):
        projects = projects.filter(warning=filters["warning"])
    if filters.get("lead_unit"):
        projects = projects.filter(lead_unit_id=filters["lead_unit"])
    if filters.get("category"):
        projects = projects.filter(Q(category_id=filters["category"]) | Q(category__parent_id=filters["category"]))
    if filters.get("q"):
        projects = projects.filter(Q(title__icontains=filters["q"]) | Q(code__icontains=filters["q"]))
    return projects.order_by("code")


def project_get(*, user, pk: int) -> Project:
    """One project with everything its page shows; missing or out of reach is a 404."""
    return (
        project_scope(user=user)
        .select_related("project_list__level", "project_list__owner_unit", "lead_unit", "category__parent",
                        "region", "district")
        .prefetch_related("co_units", "milestones", "indicators",
                          Prefetch("reports", queryset=ProgressReport.objects.select_related("author", "reviewed_by")
                                   .prefetch_related("contributions__unit", "evidence")))
        .get(pk=pk)
    )


def my_projects(*, user) -> QuerySet[Project]:
    """Projects the user's unit leads or assists."""
    unit_ids = user_scope(user).unit_ids(*UNIT_STAFF)
    return (
        project_scope(user=user)
        .filter(Q(lead_unit_id__in=unit_ids) | Q(pk__in=Project.co_units.through.objects
                                                  .filter(unit_id__in=unit_ids).values("project_id")))
        .select_related("lead_unit", "project_list__level")
        .order_by("-warning", "end_date")
    )


def lagging_projects(*, user) -> QuerySet[Project]:
    return (
        project_scope(user=user)
        .filter(warning__in=[WarningLevel.RED, WarningLevel.YELLOW])
        .select_related("lead_unit", "project_list__level", "district")
        .annotate(open_notices=Count("supervision_notices",
                                     filter=Q(supervision_notices__acknowledged_at__isnull=True)))
        .order_by("warning", "end_date")  # "red" sorts before "yellow"
    )


LAGGING = (WarningLevel.RED, WarningLevel.YELLOW)


def lagging_history() -> Q:
    """A condition on projects: "was lagging" — red or yellow now, or at any earlier assessment.

    Every assessment that finds a project red or yellow stamps its month on ``lagging_month`` (and a
    change of warning is an event on the trail), so a project that was ever lagging keeps a month there:
    a plain column, cheap to count over every project, where an ``EXISTS`` on the trail was not."""
    return Q(warning__in=LAGGING) | Q(lagging_month__isnull=False)


def caught_up_projects(*, user) -> QuerySet[Project]:
    """Projects that were red or yellow at some time and are not now (green, completed, or no longer watched)."""
    return (
        project_scope(user=user)
        .filter(lagging_history())
        .exclude(warning__in=LAGGING)
        .select_related("lead_unit", "project_list__level", "district")
        .order_by("-lagging_month", "code")
    )


def reports_waiting(*, user) -> QuerySet[ProgressReport]:
    """Submitted reports the user may accept or return."""
    managed = _restrict(Project.objects.all(), user=user, action="write", rules=MANAGE_RULES)
    return (ProgressReport.objects.filter(state=ReportState.SUBMITTED, project__in=managed)
            .select_related("project", "author").order_by("submitted_at"))


def deadline_requests_waiting(*, user) -> QuerySet[DeadlineChangeRequest]:
    managed = _restrict(Project.objects.all(), user=user, action="write", rules=MANAGE_RULES)
    return (DeadlineChangeRequest.objects.filter(state=RequestState.PENDING, project__in=managed)
            .select_related("project", "milestone", "requested_by"))


def open_notices(*, user) -> QuerySet[SupervisionNotice]:
    return (SupervisionNotice.objects.filter(project__in=project_scope(user=user), acknowledged_at__isnull=True)
            .select_related("project", "issued_by"))


def projects_without_report(*, month: dt.date, projects: QuerySet | None = None) -> QuerySet[Project]:
    """Projects under watch (not started or in progress, started by the month's end) with no report for
    ``month`` (its first day) submitted or accepted — a returned one still has to be resubmitted."""
    month = month.replace(day=1)
    month_end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    reported = ProgressReport.objects.filter(period=month, state__in=[ReportState.SUBMITTED, ReportState.ACCEPTED])
    projects = Project.objects.all() if projects is None else projects
    return (projects.filter(status__in=[ProjectStatus.NOT_STARTED, ProjectStatus.IN_PROGRESS],
                            start_date__lte=month_end)
            .exclude(pk__in=reported.values("project_id"))
            .select_related("lead_unit", "project_list"))


def report_cadence(*, user, month: dt.date) -> list[dict]:
    """Who has not reported this month: per lead unit, its watched projects in the user's reach without a
    submitted or accepted report for ``month``, most missing first."""
    missing = projects_without_report(month=month, projects=project_scope(user=user)).order_by("lead_unit__name",
                                                                                               "code")
    returned = set(ProgressReport.objects.filter(period=month.replace(day=1), state=ReportState.RETURNED,
                                                 project__in=missing).values_list("project_id", flat=True))
    units: dict[int, dict] = {}
    for project in missing:
        row = units.setdefault(project.lead_unit_id, {"unit": project.lead_unit, "projects": []})
        project.has_returned_report = project.pk in returned
        row["projects"].append(project)
    return sorted(units.values(), key=lambda row: (-len(row["projects"]), row["unit"].name))


def overdue_notices(*, user, today: dt.date) -> QuerySet[SupervisionNotice]:
    """Supervision notices past their ``respond_by`` day without an acknowledgement (escalated or about to be)."""
    return open_notices(user=user).filter(respond_by__lt=today).order_by("respond_by")


# --- the public: published lists only, nothing internal -----------------------------------------
def public_lists() -> QuerySet[ProjectList]:
    return (ProjectList.objects.filter(is_published=True).select_related("level", "owner_unit")
            # counted as ``public_projects`` lists them: a cancelled project is neither shown nor counted
            .annotate(project_count=Count("projects", filter=~Q(projects__status=ProjectStatus.CANCELLED)),
                      completed_count=Count("projects", filter=Q(projects__status=ProjectStatus.COMPLETED))))


def public_projects(project_list: ProjectList | None = None) -> QuerySet[Project]:
    projects = Project.objects.filter(project_list__is_published=True).exclude(status=ProjectStatus.CANCELLED)
    if project_list is not None:
        projects = projects.filter(project_list=project_list)
    return projects.select_related("lead_unit", "category", "region").order_by("code")


def public_evidence() -> QuerySet[Evidence]:
    """Evidence the public may see: marked public, of a published list, and not part of an unaccepted report."""
    return Evidence.objects.filter(is_public=True, project__project_list__is_published=True).filter(
        Q(report__isnull=True) | Q(report__state=ReportState.ACCEPTED))


def public_project(pk: int) -> Project:
    return (public_projects()
            .prefetch_related("co_units", "milestones", "indicators", Prefetch("evidence", queryset=public_evidence()))
            .get(pk=pk))


def public_latest_report(project: Project) -> ProgressReport | None:
    return project.reports.filter(state=ReportState.ACCEPTED).order_by("-period", "-reviewed_at").first()


def _rating_row(satisfied: int, basically: int, dissatisfied: int) -> dict:
    total = satisfied + basically + dissatisfied
    return {"satisfied": satisfied, "basically_satisfied": basically, "dissatisfied": dissatisfied, "total": total,
            # 满意率 as for appeals (DESIGN §5): (satisfied + basically satisfied) / ratings
            "satisfaction_rate": (satisfied + basically) / total if total else None}


def _rating_counts():
    return {"s": Count("pk", filter=Q(level=RatingLevel.SATISFIED)),
            "b": Count("pk", filter=Q(level=RatingLevel.BASICALLY_SATISFIED)),
            "d": Count("pk", filter=Q(level=RatingLevel.DISSATISFIED))}


def public_ratings(project: Project) -> dict:
    """Citizens' ratings of one project: counts per level, total and satisfaction rate."""
    counts = ProjectRating.objects.filter(project=project).aggregate(**_rating_counts())
    return _rating_row(counts["s"], counts["b"], counts["d"])


def public_ratings_by_unit() -> list[dict]:
    """Citizens' ratings of the published projects, per lead unit, most rated first."""
    rows = (ProjectRating.objects.filter(project__in=public_projects())
            .values("project__lead_unit_id", "project__lead_unit__name").annotate(**_rating_counts()).order_by())
    result = [{"unit": row["project__lead_unit__name"], **_rating_row(row["s"], row["b"], row["d"])} for row in rows]
    return sorted(result, key=lambda row: (-row["total"], row["unit"]))


def rating_of(project: Project, user) -> ProjectRating | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return ProjectRating.objects.filter(project=project, citizen=user).first()


def snapshots_for(projects: QuerySet[Project], *, since: dt.date) -> QuerySet[MonthlySnapshot]:
    return MonthlySnapshot.objects.filter(project__in=projects, month__gte=since)
