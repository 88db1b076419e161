"""Enterprises and their facts, policies as versioned rules, and the grants paid under them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from minsheng.identifiers import validate_uscc

from .choices import (
    LIVE_RECOVERY_STATES,
    AccountState,
    BudgetChangeKind,
    BudgetChangeState,
    FactRecordingKind,
    GrantState,
    IndustryLevel,
    NoticeKind,
    ObjectionState,
    PeriodKind,
    PolicyMode,
    RecoveryState,
    RefusalKind,
    Scale,
    VersionState,
)


class Industry(models.Model):
    """A GB/T 4754-2017 section (letter), division (2 digits), group (3) or class (4); loaded from the app's
    fixture, which holds the levels it holds (today sections and divisions: see docs/subsidies.md)."""

    code = models.CharField(_("code"), max_length=4, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=IndustryLevel.choices)
    section = models.CharField(_("section"), max_length=1, db_index=True)

    class Meta:
        verbose_name = _("industry")
        verbose_name_plural = _("industries")
        ordering = ["section", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class FactDefinition(models.Model):
    """A kind of periodic fact other departments report about enterprises (tax paid, gas used, …)."""

    name = models.SlugField(_("name"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=60)
    unit = models.CharField(_("unit"), max_length=20)
    period_kind = models.CharField(_("period kind"), max_length=10, choices=PeriodKind.choices)
    is_money = models.BooleanField(_("amount of money (yuan)"), default=False)
    source_department = models.CharField(_("usual source department"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("fact definition")
        verbose_name_plural = _("fact definitions")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.label} ({self.name}, {self.unit})"


class Enterprise(models.Model):
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc])
    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey("org.Region", verbose_name=_("region"), on_delete=models.PROTECT,
                               related_name="enterprises")
    # The district the region lies in, kept so statistics and rules group without walking the tree.
    district = models.ForeignKey("org.Region", verbose_name=_("district"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    industry_code = models.CharField(_("industry code (GB/T 4754)"), max_length=4)
    industry = models.ForeignKey(Industry, verbose_name=_("industry division"), on_delete=models.PROTECT,
                                 related_name="enterprises")
    scale = models.CharField(_("scale"), max_length=4, choices=Scale.choices)
    registered_on = models.DateField(_("registration date"))
    # From the market regulator's register: who may claim the enterprise on the platform.
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    legal_representative_mobile = models.CharField(_("legal representative's mobile"), max_length=11, blank=True)
    administrator = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("enterprise administrator"),
                                      null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("enterprise users"), blank=True,
                                   related_name="enterprises")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class EnterpriseFact(models.Model):
    """The value in force of one fact for one enterprise and period: its latest revision. The rules read
    this table; how the value came to be, and what it was before, is in EnterpriseFactRevision."""

    # No index of their own for the two keys: the unique constraint's index leads with the enterprise and
    # the (definition, period) index with the definition; every import writes fewer indexes.
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE,
                                   related_name="facts", db_index=False)
    definition = models.ForeignKey(FactDefinition, verbose_name=_("fact"), on_delete=models.PROTECT,
                                   related_name="values", db_index=False)
    period = models.CharField(_("period"), max_length=7)
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2)
    source = models.CharField(_("source department"), max_length=60, blank=True)
    # The number of the revision this value is (1 for the first value recorded).
    revision = models.PositiveIntegerField(_("revision"), default=1)
    imported_at = models.DateTimeField(_("imported at"), auto_now=True)

    class Meta:
        verbose_name = _("enterprise fact")
        verbose_name_plural = _("enterprise facts")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "definition", "period"], name="subsidies_fact_once"),
        ]
        indexes = [models.Index(fields=["definition", "period"])]

    def __str__(self) -> str:
        return f"{self.definition.name}[{self.period}] = {self.value}"


class FactBatch(models.Model):
    """One recording of fact values: an imported file or rows, or the values found when fact history
    began. Append-only (database triggers)."""

    kind = models.CharField(_("kind"), max_length=16, choices=FactRecordingKind.choices)
    source = models.CharField(_("source department"), max_length=60, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("new values"), default=0)
    changed = models.PositiveIntegerField(_("changed values"), default=0)
    unchanged = models.PositiveIntegerField(_("values reported again unchanged"), default=0)

    class Meta:
        verbose_name = _("fact batch")
        verbose_name_plural = _("fact batches")
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.file_name}".strip()


class EnterpriseFactRevision(models.Model):
    """Revision ``number`` of one fact of one enterprise and period: the value in force from
    ``recorded_at`` until the next revision's. Append-only (database triggers): a correction is a
    new revision, so any grant can be re-derived from the facts as they were when it was computed."""

    # Read by enterprise (the unique constraint's index) and by batch: the only indexes an import writes.
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="fact_revisions", db_index=False)
    definition = models.ForeignKey(FactDefinition, verbose_name=_("fact"), on_delete=models.PROTECT,
                                   related_name="revisions", db_index=False)
    period = models.CharField(_("period"), max_length=7)
    number = models.PositiveIntegerField(_("revision"))
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2)
    source = models.CharField(_("source department"), max_length=60, blank=True)
    batch = models.ForeignKey(FactBatch, verbose_name=_("recorded in"), on_delete=models.PROTECT,
                              related_name="revisions")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("fact revision")
        verbose_name_plural = _("fact revisions")
        ordering = ["enterprise", "definition", "period", "number"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "definition", "period", "number"],
                                    name="subsidies_fact_revision_once"),
        ]

    def __str__(self) -> str:
        return f"{self.definition.name}[{self.period}] r{self.number} = {self.value}"


class CapGroup(models.Model):
    """A per-enterprise yearly ceiling shared by several policies (e.g. 100 million yuan for technology upgrades)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    year_cap = models.BigIntegerField(_("cap per enterprise per year (fen)"))

    class Meta:
        verbose_name = _("cap group")
        verbose_name_plural = _("cap groups")

    def __str__(self) -> str:
        return self.name


class Policy(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    mode = models.CharField(_("mode"), max_length=16, choices=PolicyMode.choices, default=PolicyMode.AUTO_GRANT)
    cap_group = models.ForeignKey(CapGroup, verbose_name=_("cap group"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="policies")
    owner_unit = models.ForeignKey("org.Unit", verbose_name=_("owning unit"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    # Ledger account holding this policy's budget; funded from the treasury when a version is published.
    budget_account_code = models.CharField(_("budget account"), max_length=64, blank=True)
    # The finance system's account codes for this policy's vouchers (记账凭证); blank: the city's default
    # (settings.SUBSIDIES_VOUCHER_ACCOUNTS).
    expenditure_account_code = models.CharField(_("budget expenditure account code"), max_length=40, blank=True)
    payable_account_code = models.CharField(_("payable account code"), max_length=40, blank=True)
    bank_account_code = models.CharField(_("bank account code"), max_length=40, blank=True)
    receivable_account_code = models.CharField(_("receivable account code"), max_length=40, blank=True)
    funding_account_code = models.CharField(_("funding account code"), max_length=40, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class PolicyVersion(models.Model):
    """The rule text and money terms of a policy; frozen once published, a change is a new version."""

    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    state = models.CharField(_("state"), max_length=12, choices=VersionState.choices, default=VersionState.DRAFT)
    rule_text = models.TextField(_("rules"))
    period = models.CharField(_("period"), max_length=7, help_text=_("The fact period the policy pays for, e.g. 2026."))
    budget = models.BigIntegerField(_("budget (fen)"))
    per_enterprise_cap = models.BigIntegerField(_("cap per enterprise (fen)"), null=True, blank=True)
    legal_reference = models.CharField(_("legal reference"), max_length=300)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT,
                               related_name="+")
    # Everyone who wrote or changed this version: none of them may approve it (four eyes).
    editors = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("editors"), related_name="+",
                                     blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["policy", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="subsidies_version_number_once"),
            # One version in force per policy and period: a policy may run for 2025 and 2026 at once.
            models.UniqueConstraint(fields=["policy", "period"], condition=models.Q(state="published"),
                                    name="subsidies_one_published_version_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.policy} v{self.number}"

    @property
    def terms_hash(self) -> str:
        """SHA-256 of exactly what a reviewer approves: the rule text and the money terms."""
        import hashlib
        import json

        terms = [self.rule_text, self.period, self.budget, self.per_enterprise_cap, self.legal_reference]
        return hashlib.sha256(json.dumps(terms, ensure_ascii=False).encode()).hexdigest()


class PolicyApproval(models.Model):
    """The second pair of eyes: who approved publishing a version (never its author)."""

    version = models.OneToOneField(PolicyVersion, verbose_name=_("version"), on_delete=models.PROTECT,
                                   related_name="approval")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approver"), on_delete=models.PROTECT,
                                 related_name="+")
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    reviewed_hash = models.CharField(_("hash of the reviewed terms"), max_length=64, blank=True)
    approved_at = models.DateTimeField(_("approved at"), auto_now_add=True)

    class Meta:
        verbose_name = _("policy approval")
        verbose_name_plural = _("policy approvals")

    def __str__(self) -> str:
        return f"{self.version} · {self.approver}"


class Grant(models.Model):
    """What one enterprise receives under one policy for one period: at most one, whatever the retries."""

    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="grants")
    version = models.ForeignKey(PolicyVersion, verbose_name=_("rule version"), on_delete=models.PROTECT,
                                related_name="grants")
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="grants")
    period = models.CharField(_("period"), max_length=7)
    amount = models.BigIntegerField(_("amount (fen)"))
    state = models.CharField(_("state"), max_length=12, choices=GrantState.choices, default=GrantState.OFFERED,
                             db_index=True)
    facts_hash = models.CharField(_("hash of the input facts"), max_length=64)
    trace = models.JSONField(_("clause trace"), default=list)
    bank_account_no = models.CharField(_("bank account number"), max_length=40, blank=True)
    bank_account_name = models.CharField(_("bank account name"), max_length=200, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=64, blank=True)
    # The reference the bank was last asked to pay under (the statement returns it as EndToEndId): the reservation
    # key for the first payment, a new one for each payment made again after a return.
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True, db_index=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    refusal = models.CharField(_("kind of refusal"), max_length=12, choices=RefusalKind.choices, blank=True)
    # The ledger reservation of the current payment attempt; its key is also the bank reference.
    reserve_key = models.CharField(_("ledger reservation key"), max_length=80, blank=True)
    attempt = models.PositiveSmallIntegerField(_("payment attempt"), default=1)
    created_at = models.DateTimeField(_("offered at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "enterprise", "period"], name="subsidies_grant_once"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="subsidies_grant_amount_positive"),
        ]
        indexes = [models.Index(fields=["policy", "state"])]

    def __str__(self) -> str:
        return f"{self.policy} · {self.enterprise} · {self.period}"

    @property
    def amount_yuan(self) -> str:
        return f"{self.amount // 100:,}.{self.amount % 100:02d}"


class GrantEvent(models.Model):
    """One state change of a grant (append-only: corrections are new events)."""

    grant = models.ForeignKey(Grant, verbose_name=_("grant"), on_delete=models.PROTECT, related_name="events")
    from_state = models.CharField(_("from"), max_length=12, blank=True)
    to_state = models.CharField(_("to"), max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("grant event")
        verbose_name_plural = _("grant events")
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.grant_id}: {self.from_state or '∅'} → {self.to_state}"


class AskedAndDecided(models.Model):
    """A request one funds officer (or the enterprise) asks for and a second person decides (four eyes)."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        abstract = True


class BudgetChange(AskedAndDecided):
    """A change to one year's budget envelope of a policy, asked by one funds officer and decided by another
    (four eyes): a top-up from the treasury, a reduction, or unspent money returned to the treasury."""

    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.PROTECT,
                               related_name="budget_changes")
    year = models.CharField(_("year"), max_length=4)
    kind = models.CharField(_("kind"), max_length=12, choices=BudgetChangeKind.choices)
    amount = models.BigIntegerField(_("amount (fen)"))
    reason = models.CharField(_("reason"), max_length=300)
    state = models.CharField(_("state"), max_length=12, choices=BudgetChangeState.choices,
                             default=BudgetChangeState.PENDING)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("budget change")
        verbose_name_plural = _("budget changes")
        ordering = ["-requested_at", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0),
                                              name="subsidies_budget_change_positive")]

    def __str__(self) -> str:
        return f"{self.policy} {self.year} {self.get_kind_display()} {self.amount / 100:,.2f}"


class ReceivingAccount(AskedAndDecided):
    """A bank account an enterprise receives policy money on: in the enterprise's registered name, asked
    for by the enterprise and approved by a funds officer (four eyes). Money goes only to an active one."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="receiving_accounts")
    bank_name = models.CharField(_("bank"), max_length=100)
    account_no = models.CharField(_("account number"), max_length=30)
    account_name = models.CharField(_("account name"), max_length=200)
    state = models.CharField(_("state"), max_length=12, choices=AccountState.choices, default=AccountState.PENDING)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("receiving account")
        verbose_name_plural = _("receiving accounts")
        ordering = ["enterprise", "-requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "account_no"],
                                    condition=models.Q(state__in=["pending", "active"]),
                                    name="subsidies_receiving_account_once"),
        ]

    def __str__(self) -> str:
        return f"{self.bank_name} ****{self.account_no[-4:]}"


class Recovery(AskedAndDecided):
    """Money paid under a grant found wrong afterwards, to be paid back (追回): asked by one funds officer
    with the reason, approved by another (four eyes); then a receivable on the ledger until repaid in full."""

    grant = models.ForeignKey(Grant, verbose_name=_("grant"), on_delete=models.PROTECT, related_name="recoveries")
    amount = models.BigIntegerField(_("amount to pay back (fen)"))
    reason = models.TextField(_("why the grant was wrong"), max_length=2000)
    state = models.CharField(_("state"), max_length=12, choices=RecoveryState.choices, default=RecoveryState.PENDING)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)
    repaid = models.BigIntegerField(_("repaid (fen)"), default=0)
    settled_at = models.DateTimeField(_("repaid in full at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recovery")
        verbose_name_plural = _("recoveries")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="subsidies_recovery_amount_positive"),
            models.CheckConstraint(condition=models.Q(repaid__gte=0, repaid__lte=models.F("amount")),
                                   name="subsidies_recovery_repaid_within_amount"),
            # One recovery of a grant at a time; a refused request may be asked again.
            models.UniqueConstraint(fields=["grant"], condition=models.Q(state__in=sorted(LIVE_RECOVERY_STATES)),
                                    name="subsidies_one_live_recovery_per_grant"),
        ]

    def __str__(self) -> str:
        return f"{self.grant} · {self.get_state_display()}"

    @property
    def outstanding(self) -> int:
        return self.amount - self.repaid

    @property
    def ledger_key(self) -> str:
        """The ledger key of the receivable: the enterprise's account → the receivable account."""
        return f"recovery:{self.pk}"


class RecoveryRepayment(models.Model):
    """Money paid back under a recovery, once per bank reference (append-only)."""

    recovery = models.ForeignKey(Recovery, verbose_name=_("recovery"), on_delete=models.PROTECT,
                                 related_name="repayments")
    reference = models.CharField(_("bank reference"), max_length=64, unique=True)
    amount = models.BigIntegerField(_("amount (fen)"))
    transfer_key = models.CharField(_("ledger key"), max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("repayment")
        verbose_name_plural = _("repayments")
        ordering = ["recorded_at", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0),
                                              name="subsidies_repayment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount / 100:,.2f}"


class EnterpriseNotice(models.Model):
    """A notice to an enterprise, shown on its grants page (in-site). ``services.notices._notify_enterprise``
    writes it; the platform's notification outbox will carry the same notices by SMS or WeChat."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="notices")
    grant = models.ForeignKey(Grant, verbose_name=_("grant"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="notices")
    kind = models.CharField(_("kind"), max_length=20, choices=NoticeKind.choices)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notice to an enterprise")
        verbose_name_plural = _("notices to enterprises")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.get_kind_display()}"


class Objection(models.Model):
    """An enterprise's objection to the refusal of its grant (申诉), with its reason and evidence; a funds
    officer who took no decision on the grant upholds it (the grant goes through approval again) or
    dismisses it. One open objection per grant."""

    grant = models.ForeignKey(Grant, verbose_name=_("grant"), on_delete=models.PROTECT, related_name="objections")
    reason = models.TextField(_("why the refusal is wrong"), max_length=2000)
    state = models.CharField(_("state"), max_length=12, choices=ObjectionState.choices, default=ObjectionState.OPEN)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT,
                                 related_name="+")
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    # The refusal objected to, as the enterprise read it.
    refusal_reason = models.CharField(_("reason of the refusal"), max_length=300, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)
    # Upheld: the state the grant reached when approval looked at it again (paid, refused again, …).
    outcome = models.CharField(_("outcome"), max_length=12, choices=GrantState.choices, blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["grant"], condition=models.Q(state="open"),
                                    name="subsidies_one_open_objection_per_grant"),
        ]

    def __str__(self) -> str:
        return f"{self.grant} · {self.get_state_display()}"


class ObjectionFile(models.Model):
    """Evidence attached to an objection: an image or PDF, its type sniffed from the content."""

    objection = models.ForeignKey(Objection, verbose_name=_("objection"), on_delete=models.PROTECT,
                                  related_name="files")
    file = models.FileField(_("file"), upload_to="subsidies/objections/%Y/%m/")
    name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
