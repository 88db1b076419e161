"""Appeals: cases, the units they are dispatched to, and the append-only log of everything that happened.

Deadlines are stored together with how they were computed (a start instant and a number of working
days, or of hours) so a calendar change can recompute every open one exactly.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from minsheng.org.models import Region, Unit

from .choices import (
    AttachmentPurpose,
    Channel,
    CloseReason,
    DissatisfiedReason,
    Kind,
    LegRole,
    LegState,
    RequestKind,
    RequestState,
    Satisfaction,
    State,
    SuggestionOutcome,
    SupervisionKind,
    Urgency,
)

USER = settings.AUTH_USER_MODEL


class Category(models.Model):
    """A node of the three-level taxonomy (e.g. 城市管理 > 市容环境 > 占道经营)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)
    parent = models.ForeignKey("self", verbose_name=_("parent"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    level = models.PositiveSmallIntegerField(_("level"))
    full_name = models.CharField(_("full name"), max_length=200, editable=False)
    # pypinyin renderings of full_name for search: "chengshiguanli…" and initials "csgl…".
    pinyin = models.CharField(_("pinyin"), max_length=400, editable=False, db_index=True)
    initials = models.CharField(_("pinyin initials"), max_length=60, editable=False, db_index=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.full_name or self.name


class CaseCounter(models.Model):
    """One row per day: the last case number handed out that day (locked while a case is numbered)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("case counter")
        verbose_name_plural = _("case counters")

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class Appeal(models.Model):
    """One case (诉求/工单), whatever its kind."""

    number = models.CharField(_("case number"), max_length=24, unique=True)
    query_code = models.CharField(_("query code"), max_length=12, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT,
                                 related_name="appeals")
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="appeals")
    address = models.CharField(_("address"), max_length=200, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=120)
    content = models.TextField(_("content"))
    caller_name = models.CharField(_("caller name"), max_length=50, blank=True)
    caller_mobile = models.CharField(_("caller mobile"), max_length=11, blank=True, db_index=True)
    citizen = models.ForeignKey(USER, verbose_name=_("citizen account"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="appeals")
    anonymous = models.BooleanField(_("anonymous"), default=False)
    urgent = models.BooleanField(_("urgent"), default=False)
    urgency = models.CharField(_("urgency reason"), max_length=16, choices=Urgency.choices, blank=True)

    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.REGISTERED)
    version = models.PositiveIntegerField(_("version"), default=1)
    registered_by = models.ForeignKey(USER, verbose_name=_("registered by"), null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    registered_at = models.DateTimeField(_("registered at"))
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_reason = models.CharField(_("close reason"), max_length=16, choices=CloseReason.choices, blank=True)

    # The citizen's deadline: ``due_at`` = ``due_basis_at`` + ``due_working_days`` (or ``due_hours``).
    due_basis_at = models.DateTimeField(_("deadline counted from"))
    due_working_days = models.PositiveSmallIntegerField(_("working days allowed"), null=True, blank=True)
    due_hours = models.PositiveSmallIntegerField(_("hours allowed"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"))
    extended_days = models.PositiveSmallIntegerField(_("working days of approved extensions"), default=0)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    warned_at = models.DateTimeField(_("yellow warning at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("deadline passed at"), null=True, blank=True)

    lead_unit = models.ForeignKey(Unit, verbose_name=_("lead unit"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="led_appeals")
    return_count = models.PositiveSmallIntegerField(_("returns"), default=0)
    designated = models.BooleanField(_("designated by the centre (no more returns)"), default=False)
    redo_count = models.PositiveSmallIntegerField(_("redos"), default=0)
    answer = models.TextField(_("answer"), blank=True)
    knowledge_article = models.ForeignKey("KnowledgeArticle", verbose_name=_("knowledge article used"),
                                          null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    parent = models.ForeignKey("self", verbose_name=_("merged into"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    satisfaction = models.CharField(_("satisfaction"), max_length=24, choices=Satisfaction.choices, blank=True)
    resolved = models.BooleanField(_("resolved"), null=True, blank=True)
    suggestion_outcome = models.CharField(_("suggestion outcome"), max_length=16,
                                          choices=SuggestionOutcome.choices, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-registered_at", "-id"]
        indexes = [
            models.Index(fields=["state", "registered_at"]),
            models.Index(fields=["state", "due_at"]),
            models.Index(fields=["lead_unit", "state"]),
            models.Index(fields=["kind", "registered_at"]),
            # Covering indexes for metrics.appeal_metrics (docs/performance.md, "Appeals at city scale"):
            # on PostgreSQL a month's cohorts are read by index-only scans. They replace the plain
            # registered_at and closed_at indexes (same key). SQLite ignores `include`.
            models.Index(fields=["registered_at"], name="appeals_metrics_registered",
                         include=["kind", "channel", "category", "region", "lead_unit", "state", "closed_at",
                                  "close_reason", "dispatched_at"]),
            models.Index(fields=["closed_at"], name="appeals_metrics_closed",
                         include=["region", "lead_unit", "kind", "close_reason", "satisfaction", "resolved",
                                  "suggestion_outcome"]),
            models.Index(fields=["due_at"], name="appeals_metrics_due",
                         include=["state", "region", "lead_unit", "closed_at", "breached_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class DispatchLeg(models.Model):
    """One unit's share of one case: a lead (主办) or an assist (协办), with its own clocks."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("appeal"), on_delete=models.CASCADE, related_name="legs")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="appeal_legs")
    role = models.CharField(_("role"), max_length=8, choices=LegRole.choices)
    state = models.CharField(_("state"), max_length=16, choices=LegState.choices, default=LegState.PENDING)
    dispatched_by = models.ForeignKey(USER, verbose_name=_("dispatched by"), null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    dispatched_at = models.DateTimeField(_("dispatched at"))
    sign_working_days = models.PositiveSmallIntegerField(null=True, blank=True)
    sign_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    sign_due_at = models.DateTimeField(_("sign by"))
    handle_basis_at = models.DateTimeField(_("handling clock started at"))
    handle_working_days = models.PositiveSmallIntegerField(null=True, blank=True)
    handle_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    handle_due_at = models.DateTimeField(_("answer by"))
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signed_by = models.ForeignKey(USER, verbose_name=_("signed by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_reason = models.TextField(_("return reason"), blank=True)
    return_legal_basis = models.CharField(_("legal basis of the return"), max_length=200, blank=True)
    input_text = models.TextField(_("assist input / answer"), blank=True)
    extended_days = models.PositiveSmallIntegerField(_("working days of approved extensions"), default=0)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    # What was left of the handling clock when it stopped (working days, or seconds for urgent cases).
    remaining_working_days = models.PositiveSmallIntegerField(null=True, blank=True)
    remaining_seconds = models.PositiveIntegerField(null=True, blank=True)
    sign_breached = models.BooleanField(_("signed late"), default=False)
    handle_breached_at = models.DateTimeField(_("handling deadline passed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("dispatch leg")
        verbose_name_plural = _("dispatch legs")
        ordering = ["appeal", "dispatched_at", "id"]
        indexes = [
            models.Index(fields=["unit", "state", "handle_due_at"]),
            models.Index(fields=["state", "sign_due_at"]),
            models.Index(fields=["dispatched_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.appeal.number} → {self.unit} ({self.get_role_display()})"


class AppealEvent(models.Model):
    """One thing that happened to a case. Append-only (database triggers refuse UPDATE and DELETE)."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("appeal"), on_delete=models.DO_NOTHING,
                               db_constraint=False, related_name="events")
    leg = models.ForeignKey(DispatchLeg, verbose_name=_("dispatch leg"), null=True, blank=True,
                            on_delete=models.DO_NOTHING, db_constraint=False, related_name="events")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.DO_NOTHING,
                             db_constraint=False, related_name="+")
    actor = models.ForeignKey(USER, verbose_name=_("actor"), null=True, blank=True, on_delete=models.DO_NOTHING,
                              db_constraint=False, related_name="+")
    action = models.CharField(_("action"), max_length=24)
    from_state = models.CharField(_("from state"), max_length=16, blank=True)
    to_state = models.CharField(_("to state"), max_length=16, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("appeal event")
        verbose_name_plural = _("appeal events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["appeal", "at"]), models.Index(fields=["action", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.from_state}→{self.to_state}"


class DispatchCatalogue(models.Model):
    """派单目录: which unit leads (and which assist) for a category in a region (no region: the whole city)."""

    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.CASCADE,
                                 related_name="catalogue_entries")
    region = models.ForeignKey(Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+")
    lead_unit = models.ForeignKey(Unit, verbose_name=_("lead unit"), on_delete=models.PROTECT, related_name="+")
    assist_units = models.ManyToManyField(Unit, verbose_name=_("assisting units"), blank=True, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("dispatch catalogue entry")
        verbose_name_plural = _("dispatch catalogue")
        ordering = ["category__code", "region__path"]
        constraints = [
            models.UniqueConstraint(fields=["category", "region", "lead_unit"], name="appeals_catalogue_unique")
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.region or '—'} → {self.lead_unit}"


class KnowledgeArticle(models.Model):
    """知识库: a ready answer for common inquiries (first-contact resolution)."""

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("answer"))
    category = models.ForeignKey(Category, verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="articles")
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    pinyin = models.CharField(_("pinyin"), max_length=600, blank=True, editable=False)
    is_published = models.BooleanField(_("published"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    used_count = models.PositiveIntegerField(_("times used"), default=0)

    class Meta:
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge base")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Attachment(models.Model):
    """An image or PDF, its type sniffed from the content (never trusted from the name)."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("appeal"), on_delete=models.CASCADE, related_name="attachments")
    leg = models.ForeignKey(DispatchLeg, verbose_name=_("dispatch leg"), null=True, blank=True,
                            on_delete=models.CASCADE, related_name="attachments")
    purpose = models.CharField(_("purpose"), max_length=8, choices=AttachmentPurpose.choices)
    file = models.FileField(_("file"), upload_to="appeals/%Y/%m/")
    name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class LegRequest(models.Model):
    """A unit asks the centre for an extension (延期) or a suspension (挂起)."""

    leg = models.ForeignKey(DispatchLeg, verbose_name=_("dispatch leg"), on_delete=models.CASCADE,
                            related_name="requests")
    kind = models.CharField(_("kind"), max_length=12, choices=RequestKind.choices)
    state = models.CharField(_("state"), max_length=10, choices=RequestState.choices, default=RequestState.PENDING)
    days = models.PositiveSmallIntegerField(_("working days asked"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("extension or suspension request")
        verbose_name_plural = _("extension and suspension requests")
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["state", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.leg}"


class Callback(models.Model):
    """One callback attempt (回访): reached or not, and if reached, what the citizen said."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("appeal"), on_delete=models.CASCADE, related_name="callbacks")
    attempt = models.PositiveSmallIntegerField(_("attempt"))
    agent = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("time"))
    reached = models.BooleanField(_("reached"))
    satisfaction = models.CharField(_("satisfaction"), max_length=24, choices=Satisfaction.choices, blank=True)
    resolved = models.BooleanField(_("resolved"), null=True, blank=True)
    dissatisfied_reason = models.CharField(_("reason for dissatisfaction"), max_length=8,
                                           choices=DissatisfiedReason.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        ordering = ["appeal", "attempt"]
        indexes = [models.Index(fields=["at"])]

    def __str__(self) -> str:
        return f"{self.appeal.number} #{self.attempt}"


class SupervisionNotice(models.Model):
    """催办 (urge) or 督办 (supervise): instructions a unit must acknowledge."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("appeal"), on_delete=models.CASCADE,
                               related_name="supervision_notices")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=SupervisionKind.choices)
    instructions = models.TextField(_("instructions"))
    issued_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(_("issued at"))
    acknowledged_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("supervision notice")
        verbose_name_plural = _("supervision notices")
        ordering = ["-issued_at"]
        indexes = [models.Index(fields=["unit", "acknowledged_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.appeal.number}"


class LeaderInstruction(models.Model):
    """批示: a leader's instruction on a case."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("appeal"), on_delete=models.CASCADE,
                               related_name="instructions")
    leader = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("instruction"))
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("leader instruction")
        verbose_name_plural = _("leader instructions")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.appeal.number}: {self.text[:30]}"


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key: a retry with the same key and body gets the first answer back."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("key"), max_length=100)
    scope = models.CharField(_("endpoint"), max_length=40)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    appeal = models.ForeignKey(Appeal, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["user", "scope", "key"], name="appeals_idempotency_unique")]

    def __str__(self) -> str:
        return self.key


class AppealDayCounts(models.Model):
    """The daily roll-up of the metric counts (``metrics.py``; ``rollup.py`` writes it).

    One row per local day and grain: the district of the case (the case's own region when it lies
    above district level), the unit counted (the lead unit for the case cohorts, the leg's own unit
    for the legs, as in the metric scopes) and the top-level category. Each count is added on the day
    of its own cohort (registered, due, closed, sign-by, dispatched), so a row mixes cohorts; the
    legs' rows are kept apart (``of_legs``) because the district table counts cases only. The volume
    by kind, channel and suggestion outcome is one column each (added below from the choices).
    """

    day = models.DateField(_("day"))
    of_legs = models.BooleanField(_("counts of dispatch legs"), default=False)
    region = models.ForeignKey(Region, verbose_name=_("district"), null=True, on_delete=models.DO_NOTHING,
                               db_constraint=False, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, on_delete=models.DO_NOTHING,
                             db_constraint=False, related_name="+")
    category = models.ForeignKey(Category, verbose_name=_("top-level category"), on_delete=models.DO_NOTHING,
                                 db_constraint=False, related_name="+")
    registered = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    cohort = models.PositiveIntegerField(default=0)
    inquiries = models.PositiveIntegerField(default=0)
    closed_at_intake = models.PositiveIntegerField(default=0)
    due = models.PositiveIntegerField(default=0)
    closed_on_time = models.PositiveIntegerField(default=0)
    legs_due_for_signing = models.PositiveIntegerField(default=0)
    legs_signed_on_time = models.PositiveIntegerField(default=0)
    legs_dispatched = models.PositiveIntegerField(default=0)
    legs_answered = models.PositiveIntegerField(default=0)
    needing_callback = models.PositiveIntegerField(default=0)
    called_back = models.PositiveIntegerField(default=0)
    valid_callbacks = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    basically_satisfied = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("appeal counts of a day")
        verbose_name_plural = _("appeal counts of days")
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.region_id}/{self.unit_id}/{self.category_id}"


# One volume column per kind and channel, one count per suggestion outcome: the roll-up answers the
# report's breakdowns without a row per combination (a new choice needs a migration, which
# `makemigrations --check` points out).
for _name in [f"volume_{kind}" for kind in Kind.values] + [f"volume_{channel}" for channel in Channel.values] \
        + [f"suggestion_{outcome}" for outcome in SuggestionOutcome.values]:
    AppealDayCounts.add_to_class(_name, models.PositiveIntegerField(default=0))
del _name


class AppealRollupBasis(models.Model):
    """What a roll-up was counted with: how regions fold into districts and categories into top-level
    ones, and the metric settings. A day rolled up on a basis the current one does not extend (a region
    moved, a category re-parented, a setting changed) is counted live until it is rolled up again."""

    digest = models.CharField(max_length=64, primary_key=True)
    regions = models.JSONField(_("region → district"))
    categories = models.JSONField(_("category → top-level category"))
    rules = models.JSONField(_("metric settings"))

    class Meta:
        verbose_name = _("roll-up basis")
        verbose_name_plural = _("roll-up bases")

    def __str__(self) -> str:
        return self.digest[:12]


class AppealRolledDay(models.Model):
    """A local day whose counts are in ``AppealDayCounts``, and the basis they were counted with."""

    day = models.DateField(_("day"), primary_key=True)
    basis = models.ForeignKey(AppealRollupBasis, verbose_name=_("basis"), on_delete=models.PROTECT,
                              related_name="+")
    rolled_at = models.DateTimeField(_("rolled up at"))

    class Meta:
        verbose_name = _("rolled-up day")
        verbose_name_plural = _("rolled-up days")

    def __str__(self) -> str:
        return f"{self.day}"


class AppealDirtyDays(models.Model):
    """Days (``first`` to ``last``) whose counts a change touched since they were rolled up: the report
    counts them live until the roll-up is refreshed. Plain inserts (no unique key), so concurrent
    changes never wait for each other to mark the same day."""

    first = models.DateField(_("first day"))
    last = models.DateField(_("last day"))

    class Meta:
        verbose_name = _("days to roll up again")
        verbose_name_plural = _("days to roll up again")
        indexes = [models.Index(fields=["first"])]

    def __str__(self) -> str:
        return f"{self.first} – {self.last}"
