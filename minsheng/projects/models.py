"""Livelihood project lists (民生实事清单): lists, projects, milestones, indicators, reports and their trail."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.org.models import Region, Unit

from .choices import (
    EventAction,
    ProjectSource,
    ProjectStatus,
    RatingLevel,
    ReportState,
    RequestState,
    WarningLevel,
)
from .rollup import indicator_completion


class ListLevel(models.Model):
    """A level of list, as configuration: Foshan's "3+X" (city leaders, committee & government, city units, X)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=60)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("list level")
        verbose_name_plural = _("list levels")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class ProjectCategory(models.Model):
    """A category (no parent) or a type within one (parent set): e.g. 6 categories, 31 types."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=60)
    parent = models.ForeignKey("self", verbose_name=_("category"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="types")
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("project category")
        verbose_name_plural = _("project categories")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def top(self) -> "ProjectCategory":
        return self.parent if self.parent_id else self


class ProjectList(models.Model):
    """One list (清单) of one year at one level, owned by one unit."""

    year = models.PositiveSmallIntegerField(_("year"))
    level = models.ForeignKey(ListLevel, verbose_name=_("level"), on_delete=models.PROTECT, related_name="lists")
    name = models.CharField(_("name"), max_length=120)
    owner_unit = models.ForeignKey(Unit, verbose_name=_("owner unit"), on_delete=models.PROTECT,
                                   related_name="project_lists")
    description = models.TextField(_("description"), blank=True)
    is_published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("project list")
        verbose_name_plural = _("project lists")
        ordering = ["-year", "level__order", "name"]
        constraints = [models.UniqueConstraint(fields=["year", "name"], name="projects_list_unique_name_per_year")]

    def __str__(self) -> str:
        return self.name if str(self.year) in self.name else f"{self.year} {self.name}"


class Project(models.Model):
    """One project. ``status`` is what people declare; ``progress`` and ``warning`` are computed.

    The code is unique across all lists (an import matches rows to projects by it).
    """

    project_list = models.ForeignKey(ProjectList, verbose_name=_("list"), on_delete=models.PROTECT,
                                     related_name="projects")
    code = models.CharField(_("code"), max_length=40, unique=True)
    title = models.CharField(pgettext_lazy("project", "title"), max_length=200)
    content = models.TextField(_("content"), blank=True)
    category = models.ForeignKey(ProjectCategory, verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="projects")
    source = models.CharField(_("source"), max_length=32, choices=ProjectSource.choices,
                              default=ProjectSource.UNIT_PLAN)
    source_reference = models.CharField(_("source reference"), max_length=200, blank=True)
    # The leader's research topic (调研课题) a city leaders' project came from; counted on its own.
    research_topic = models.CharField(_("research topic"), max_length=120, blank=True, db_index=True)
    # A key programme (村级工业园, 畅通工程): its indicators are shown with the statistics.
    flagship = models.BooleanField(_("key programme"), default=False)
    lead_unit = models.ForeignKey(Unit, verbose_name=pgettext_lazy("project", "lead unit"), on_delete=models.PROTECT,
                                  related_name="led_projects")
    co_units = models.ManyToManyField(Unit, verbose_name=_("co-units"), blank=True, related_name="assisted_projects")
    responsible_leader = models.CharField(_("responsible leader"), max_length=60, blank=True)
    # One primary place; empty = the whole city. ``district`` is derived from it for statistics.
    region = models.ForeignKey(Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="projects")
    district = models.ForeignKey(Region, verbose_name=_("district"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="district_projects", editable=False)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    original_end_date = models.DateField(_("original end date"), editable=False)
    status = models.CharField(_("status"), max_length=16, choices=ProjectStatus.choices,
                              default=ProjectStatus.NOT_STARTED, db_index=True)
    progress = models.FloatField(_("progress"), default=0.0, editable=False)
    warning = models.CharField(_("warning"), max_length=8, choices=WarningLevel.choices,
                               default=WarningLevel.GREEN, editable=False, db_index=True)
    warning_reason = models.CharField(_("warning reason"), max_length=200, blank=True, editable=False)
    # First day of the last month in which the project was red or yellow ("was lagging" after catching up).
    lagging_month = models.DateField(_("last lagging month"), null=True, blank=True, editable=False)
    internal_note = models.TextField(_("internal note"), blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["code"]
        indexes = [models.Index(fields=["project_list", "status"]), models.Index(fields=["lead_unit", "status"])]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Milestone(models.Model):
    """A dated checkpoint (进度安排) with its share of the work (weight, normalised in the rollup)."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE,
                                related_name="milestones")
    title = models.CharField(pgettext_lazy("project", "title"), max_length=200)
    due_date = models.DateField(_("due date"))
    original_due_date = models.DateField(_("original due date"), editable=False)
    weight = models.PositiveIntegerField(_("weight"), default=1)
    done_at = models.DateField(_("done on"), null=True, blank=True)
    evidence_note = models.CharField(_("evidence"), max_length=300, blank=True)
    # Waived by a project officer with a reason (the milestone no longer applies): it then counts neither in
    # progress nor in the plan, and does not hold up completion.
    waived_at = models.DateTimeField(_("waived at"), null=True, blank=True, editable=False)
    waive_reason = models.TextField(_("reason for waiving"), blank=True, editable=False)
    waived_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("waived by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+", editable=False)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_date", "pk"]
        constraints = [models.UniqueConstraint(fields=["project", "title"], name="projects_milestone_unique_title")]

    def __str__(self) -> str:
        return self.title


class Indicator(models.Model):
    """A measurable indicator (指标) with its own denominator: baseline → target, actual as of a date."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE,
                                related_name="indicators")
    name = models.CharField(_("name"), max_length=120)
    unit = models.CharField(_("unit of measure"), max_length=20, blank=True)
    # Indicators of one group add up (e.g. the 14 categories of road hazards: targets found, actuals treated).
    group = models.CharField(_("indicator group"), max_length=60, blank=True)
    baseline = models.DecimalField(_("baseline"), max_digits=16, decimal_places=2, default=0)
    target = models.DecimalField(_("target"), max_digits=16, decimal_places=2)
    actual = models.DecimalField(_("actual"), max_digits=16, decimal_places=2, null=True, blank=True)
    as_of = models.DateField(_("as of"), null=True, blank=True)
    weight = models.PositiveIntegerField(_("weight"), default=1)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="projects_indicator_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def completion(self) -> float | None:
        """Indicator completion = (actual − baseline) / (target − baseline), clipped to [0, 1] (DESIGN §5) — the
        one formula of ``rollup``, so "reduce to" indicators (target below baseline) work too; None unreported."""
        return indicator_completion(self.baseline, self.target, self.actual)


class ProgressReport(models.Model):
    """A periodic report by the lead unit; accepted reports apply their milestone and indicator figures."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="reports")
    period = models.DateField(pgettext_lazy("project", "period"), help_text=_("first day of the month reported on"))
    text = models.TextField(_("progress"))
    # {milestone id: "YYYY-MM-DD"} and {indicator id: "decimal"}, applied on acceptance.
    milestone_done = models.JSONField(_("milestones done"), default=dict, blank=True)
    indicator_actuals = models.JSONField(_("indicator actuals"), default=dict, blank=True)
    claims_completion = models.BooleanField(_("reports the project complete"), default=False)
    state = models.CharField(_("state"), max_length=12, choices=ReportState.choices, default=ReportState.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=pgettext_lazy("project", "author"), null=True,
                               on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-period", "-created_at"]

    def __str__(self) -> str:
        return f"{self.project.code} {self.period:%Y-%m}"


class ReportContribution(models.Model):
    """What a co-unit adds to a progress report."""

    report = models.ForeignKey(ProgressReport, verbose_name=_("report"), on_delete=models.CASCADE,
                               related_name="contributions")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=pgettext_lazy("project", "author"), null=True,
                               on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("contribution"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("co-unit contribution")
        verbose_name_plural = _("co-unit contributions")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.unit} · {self.report}"


def evidence_path(instance, filename: str) -> str:
    return f"projects/evidence/{instance.project_id}/{filename}"


class Evidence(models.Model):
    """A photo or document proving progress: attached to a report and/or a milestone."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE,
                                related_name="evidence")
    report = models.ForeignKey(ProgressReport, verbose_name=_("report"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="evidence")
    milestone = models.ForeignKey(Milestone, verbose_name=_("milestone"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="evidence")
    file = models.FileField(_("file"), upload_to=evidence_path)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    # Private until a project officer shows it to the public (and, for a report's evidence, after the report
    # is accepted): a unit's upload may be an internal document.
    is_public = models.BooleanField(_("shown to the public"), default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.caption or self.file.name

    @property
    def is_image(self) -> bool:
        return self.file.name.lower().rsplit(".", 1)[-1] in {"jpg", "jpeg", "png", "webp", "gif"}


class DeadlineChangeRequest(models.Model):
    """A request to move the project's end date or a milestone's due date; the original stays on record."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE,
                                related_name="deadline_requests")
    milestone = models.ForeignKey(Milestone, verbose_name=_("milestone"), null=True, blank=True,
                                  on_delete=models.CASCADE, related_name="deadline_requests")
    original_date = models.DateField(_("original date"))
    requested_date = models.DateField(_("requested date"))
    reason = models.TextField(_("reason"))
    state = models.CharField(_("state"), max_length=10, choices=RequestState.choices, default=RequestState.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("deadline change request")
        verbose_name_plural = _("deadline change requests")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.project.code} {self.original_date} → {self.requested_date}"


class ProjectEvent(models.Model):
    """Append-only trail: who changed what, when, before and after."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.DO_NOTHING,
                                related_name="events", db_constraint=False)
    action = models.CharField(_("action"), max_length=32, choices=EventAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING,
                              related_name="+", db_constraint=False)
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    at = models.DateTimeField(_("at"), db_index=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("project event")
        verbose_name_plural = _("project events")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for display; a field only in ``after`` has no before."""
        keys = list(self.before) + [key for key in self.after if key not in self.before]
        return [(key, self.before.get(key, ""), self.after.get(key, "")) for key in keys]


class SupervisionNotice(models.Model):
    """A supervision notice (督办) on a lagging project, which the lead unit must acknowledge."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE,
                                related_name="supervision_notices")
    text = models.TextField(_("notice"))
    respond_by = models.DateField(_("respond by"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    acknowledged_at = models.DateTimeField(pgettext_lazy("project", "acknowledged at"), null=True, blank=True)
    response = models.TextField(_("response"), blank=True)
    # Set once by the periodic task when ``respond_by`` passed without an acknowledgement.
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("supervision notice")
        verbose_name_plural = _("supervision notices")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.project.code} {self.issued_at:%Y-%m-%d}"


class LeaderInstruction(models.Model):
    """A leader's instruction (批示) on a project."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE,
                                related_name="instructions")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("instruction"))
    given_at = models.DateTimeField(_("given at"), auto_now_add=True)

    class Meta:
        verbose_name = _("leader instruction")
        verbose_name_plural = _("leader instructions")
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return f"{self.project.code} {self.given_at:%Y-%m-%d}"


class MonthlySnapshot(models.Model):
    """Each project's state at the end of a month, stored for trends (the past is not recomputed)."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE,
                                related_name="snapshots")
    month = models.DateField(_("month"))
    status = models.CharField(_("status"), max_length=16, choices=ProjectStatus.choices)
    progress = models.FloatField(_("progress"))
    warning = models.CharField(_("warning"), max_length=8, choices=WarningLevel.choices)
    was_lagging = models.BooleanField(_("was lagging"), default=False)

    class Meta:
        verbose_name = _("monthly snapshot")
        verbose_name_plural = _("monthly snapshots")
        ordering = ["month"]
        constraints = [models.UniqueConstraint(fields=["project", "month"], name="projects_snapshot_unique_month")]
        indexes = [models.Index(fields=["month", "status", "warning"])]

    def __str__(self) -> str:
        return f"{self.project_id} {self.month:%Y-%m}"


class MonthlyFigure(models.Model):
    """Snapshot counts per month, list year and level, status and warning — written with the snapshots,
    so the city-wide trend reads a few hundred rows instead of every project's every month."""

    month = models.DateField(_("month"))
    year = models.PositiveSmallIntegerField(_("year"))
    level = models.ForeignKey(ListLevel, verbose_name=_("level"), on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=16, choices=ProjectStatus.choices)
    warning = models.CharField(_("warning"), max_length=8, choices=WarningLevel.choices)
    count = models.PositiveIntegerField(_("count"))

    class Meta:
        verbose_name = _("monthly figure")
        verbose_name_plural = _("monthly figures")
        indexes = [models.Index(fields=["month"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.status} {self.warning} {self.count}"


class ProjectRating(models.Model):
    """A citizen's rating of a completed project on its public page: one per citizen account and project."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="ratings")
    citizen = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("citizen"), on_delete=models.CASCADE,
                                related_name="project_ratings")
    level = models.CharField(_("rating"), max_length=24, choices=RatingLevel.choices)
    comment = models.TextField(_("comment"), blank=True, max_length=500)
    created_at = models.DateTimeField(_("rated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("project rating")
        verbose_name_plural = _("project ratings")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["project", "citizen"], name="projects_rating_one_per_citizen")]
        indexes = [models.Index(fields=["project", "level"])]

    def __str__(self) -> str:
        return f"{self.project_id} {self.level}"
