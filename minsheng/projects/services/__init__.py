"""Every write to lists and projects: keyword-only, atomic, validated, with an event for each change.

Progress and warnings are recomputed (``project_recompute``) after every change that moves them:
a milestone added, done or deleted, an indicator added, updated or deleted, a report accepted,
a date or status changed — and by the daily task, since the calendar moves on by itself.

One module per sub-domain; the public names (and the helpers the import shares) are re-exported here.
"""

from .assessment import (
    assessment_for,
    monthly_figures_write,
    project_apply_assessment,
    project_recompute,
    projects_recompute,
    snapshot_take,
)
from .common import EVIDENCE_EXTENSIONS, EVIDENCE_MAX_BYTES, _district_of, event_build
from .lists import category_create, list_level_create, project_list_create, project_list_publish
from .measures import (
    evidence_check,
    evidence_publish,
    indicator_add,
    indicator_delete,
    milestone_add,
    milestone_delete,
    milestone_mark_done,
    milestone_waive,
)
from .projects import (
    EDITABLE_FIELDS,
    LEAD_EDITABLE,
    project_bulk_change,
    project_create,
    project_status_change,
    project_update,
)
from .ratings import project_rate
from .reports import (
    completion_shortfalls,
    report_accept,
    report_contribute,
    report_resubmit,
    report_return,
    report_submit,
)
from .supervision import (
    deadline_change_decide,
    deadline_change_request,
    instruction_give,
    supervision_acknowledge,
    supervision_issue,
)

__all__ = [
    "EDITABLE_FIELDS",
    "EVIDENCE_EXTENSIONS",
    "EVIDENCE_MAX_BYTES",
    "LEAD_EDITABLE",
    "_district_of",
    "assessment_for",
    "category_create",
    "completion_shortfalls",
    "deadline_change_decide",
    "deadline_change_request",
    "event_build",
    "evidence_check",
    "evidence_publish",
    "indicator_add",
    "indicator_delete",
    "instruction_give",
    "list_level_create",
    "milestone_add",
    "milestone_delete",
    "milestone_mark_done",
    "milestone_waive",
    "monthly_figures_write",
    "project_apply_assessment",
    "project_bulk_change",
    "project_create",
    "project_list_create",
    "project_list_publish",
    "project_rate",
    "project_recompute",
    "project_status_change",
    "project_update",
    "projects_recompute",
    "report_accept",
    "report_contribute",
    "report_resubmit",
    "report_return",
    "report_submit",
    "snapshot_take",
    "supervision_acknowledge",
    "supervision_issue",
]
