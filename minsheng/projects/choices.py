"""Project vocabulary: statuses and their allowed transitions, sources, report states, warnings."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProjectStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    SUSPENDED = "suspended", pgettext_lazy("project", "Suspended")
    CANCELLED = "cancelled", _("Cancelled")


# Allowed status transitions, checked in one place (services.project_status_change).
# "completed" is reached only by accepting a completion report (project_report_accept).
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    ProjectStatus.NOT_STARTED: frozenset({ProjectStatus.IN_PROGRESS, ProjectStatus.SUSPENDED, ProjectStatus.CANCELLED}),
    ProjectStatus.IN_PROGRESS: frozenset({ProjectStatus.SUSPENDED, ProjectStatus.CANCELLED}),
    ProjectStatus.SUSPENDED: frozenset({ProjectStatus.IN_PROGRESS, ProjectStatus.CANCELLED}),
    ProjectStatus.COMPLETED: frozenset({ProjectStatus.IN_PROGRESS}),
    ProjectStatus.CANCELLED: frozenset(),
}
# Statuses under watch: warnings are computed only for these.
ACTIVE_STATUSES = frozenset({ProjectStatus.NOT_STARTED, ProjectStatus.IN_PROGRESS})


class ProjectSource(models.TextChoices):
    LEADER_RESEARCH = "leader_research", _("Leader's research topic")
    PUBLIC_SOLICITATION = "public_solicitation", _("Public solicitation")
    APPEAL_HOTSPOT = "appeal_hotspot", _("Hotspot of appeals")
    UNIT_PLAN = "unit_plan", _("Unit plan")


class WarningLevel(models.TextChoices):  # 红黄绿灯预警
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")
    NONE = "none", _("Not watched")


class ReportState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


REPORT_TRANSITIONS: dict[str, frozenset[str]] = {
    ReportState.DRAFT: frozenset({ReportState.SUBMITTED}),
    ReportState.SUBMITTED: frozenset({ReportState.ACCEPTED, ReportState.RETURNED}),
    ReportState.RETURNED: frozenset({ReportState.SUBMITTED}),
    ReportState.ACCEPTED: frozenset(),
}


class RequestState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class EventAction(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    IMPORTED = "imported", _("Imported")
    STATUS_CHANGED = "status_changed", _("Status changed")
    BULK_CHANGED = "bulk_changed", _("Bulk change")
    MILESTONE_ADDED = "milestone_added", _("Milestone added")
    MILESTONE_DONE = "milestone_done", _("Milestone done")
    MILESTONE_DELETED = "milestone_deleted", _("Milestone deleted")
    MILESTONE_WAIVED = "milestone_waived", _("Milestone waived")
    EVIDENCE_SHOWN = "evidence_shown", _("Evidence shown to the public")
    EVIDENCE_HIDDEN = "evidence_hidden", _("Evidence hidden from the public")
    INDICATOR_ADDED = "indicator_added", _("Indicator added")
    INDICATOR_UPDATED = "indicator_updated", _("Indicator updated")
    INDICATOR_DELETED = "indicator_deleted", _("Indicator deleted")
    REPORT_SUBMITTED = "report_submitted", _("Progress report submitted")
    REPORT_ACCEPTED = "report_accepted", _("Progress report accepted")
    REPORT_RETURNED = "report_returned", _("Progress report returned")
    REPORT_RESUBMITTED = "report_resubmitted", _("Progress report resubmitted")
    CONTRIBUTION = "contribution", _("Co-unit contribution")
    DEADLINE_REQUESTED = "deadline_requested", _("Deadline change requested")
    DEADLINE_DECIDED = "deadline_decided", _("Deadline change decided")
    WARNING_CHANGED = "warning_changed", _("Warning changed")
    SUPERVISION_ISSUED = "supervision_issued", _("Supervision notice issued")
    SUPERVISION_ACKNOWLEDGED = "supervision_acknowledged", _("Supervision notice acknowledged")
    SUPERVISION_ESCALATED = "supervision_escalated", _("Supervision notice escalated (no response in time)")
    INSTRUCTION = "instruction", _("Leader instruction")
    COMPLETED = "completed", _("Completed and accepted")


class RatingLevel(models.TextChoices):  # 群众评价: the same three words as an appeal's callback
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")
