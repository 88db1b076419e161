"""Appeals vocabulary: kinds, channels, states and the one table of allowed transitions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    INQUIRY = "inquiry", _("Inquiry")
    REQUEST = "request", _("Request for help")
    COMPLAINT = "complaint", _("Complaint")
    REPORT = "report", _("Report")
    SUGGESTION = "suggestion", _("Suggestion")


class Channel(models.TextChoices):
    HOTLINE_12345 = "hotline_12345", _("12345 hotline")
    MAYOR_LINE = "mayor_line", _("Mayor's line")
    HOTLINE_12319 = "hotline_12319", _("12319 urban management hotline")
    WEB = "web", _("Website")
    WECHAT = "wechat", _("WeChat")
    APP = "app", _("Mobile app")
    OPEN311 = "open311", _("Open311")
    LETTER = "letter", _("Letter")
    VISIT = "visit", _("Visit")


class Urgency(models.TextChoices):
    SAFETY = "safety", _("Safety")
    WATER = "water", _("Water supply")
    POWER = "power", _("Power supply")
    GAS = "gas", _("Gas supply")


class State(models.TextChoices):
    REGISTERED = "registered", _("Registered, awaiting dispatch")
    DISPATCHED = "dispatched", _("Dispatched, awaiting signature")
    RETURNED = "returned", _("Returned by the unit")
    HANDLING = "handling", _("Being handled")
    SUSPENDED = "suspended", _("Suspended")
    ANSWERED = "answered", _("Answered, awaiting review")
    CALLBACK = "callback", _("Awaiting callback")
    CLOSED = "closed", _("Closed")
    MERGED = "merged", _("Merged into another case")


OPEN_STATES = frozenset(
    {State.REGISTERED, State.DISPATCHED, State.RETURNED, State.HANDLING, State.SUSPENDED, State.ANSWERED}
)
FINAL_STATES = frozenset({State.CLOSED, State.MERGED})


class Action(models.TextChoices):
    REGISTER = "register", _("Register")
    CLOSE_AT_INTAKE = "close_at_intake", _("Answer at first contact")
    DISPATCH = "dispatch", _("Dispatch")
    SIGN = "sign", _("Sign for")
    ASSIST_SIGN = "assist_sign", _("Assisting unit signs for")
    ASSIST_INPUT = "assist_input", _("Assisting unit's input")
    RETURN = "return", _("Return")
    RETURN_ACCEPT = "return_accept", _("Accept return and reassign")
    RETURN_REJECT = "return_reject", _("Reject return")
    NOTE = "note", _("Handling note")
    EXTENSION_REQUEST = "extension_request", _("Ask for an extension")
    EXTENSION_DECIDE = "extension_decide", _("Decide an extension")
    SUSPENSION_REQUEST = "suspension_request", _("Ask for a suspension")
    SUSPEND = "suspend", _("Suspend (approved)")
    SUSPENSION_REFUSE = "suspension_refuse", _("Refuse a suspension")
    RESUME = "resume", _("Resume")
    ANSWER = "answer", _("Answer")
    REVIEW_PASS = "review_pass", _("Pass the answer")
    REVIEW_SEND_BACK = "review_send_back", _("Send the answer back")
    CALLBACK_ATTEMPT = "callback_attempt", _("Callback attempt")
    CALLBACK_CLOSE = "callback_close", _("Close after callback")
    REDO = "redo", _("Redo")
    MERGE = "merge", _("Merge into a parent case")
    URGE = "urge", _("Urge")
    SUPERVISE = "supervise", _("Supervise")
    SUPERVISION_ACK = "supervision_ack", _("Acknowledge supervision")
    INSTRUCT = "instruct", _("Leader instruction")
    SUGGESTION_CLOSE = "suggestion_close", _("Close a suggestion")
    WARN = "warn", _("Deadline warning")
    BREACH = "breach", _("Deadline passed")
    RECOMPUTE = "recompute", _("Deadline recomputed")
    FOLLOW_PARENT = "follow_parent", _("Follows the parent case's answer")


A, S = Action, State
# Actions that may happen in any open state without changing it (notes, supervision, instructions).
_ANY_OPEN = {A.ASSIST_SIGN: None, A.ASSIST_INPUT: None, A.URGE: None, A.SUPERVISE: None,
             A.SUPERVISION_ACK: None, A.INSTRUCT: None, A.WARN: None, A.BREACH: None, A.RECOMPUTE: None}

# THE state machine: state -> {action: next state}. ``None`` means "stays in the same state".
TRANSITIONS: dict[str, dict[str, str | None]] = {
    S.REGISTERED: {
        A.REGISTER: None,
        A.DISPATCH: S.DISPATCHED,
        A.CLOSE_AT_INTAKE: S.CLOSED,
        A.MERGE: S.MERGED,
        A.SUGGESTION_CLOSE: S.CLOSED,
        **_ANY_OPEN,
    },
    S.DISPATCHED: {
        A.SIGN: S.HANDLING,
        A.RETURN: S.RETURNED,
        A.NOTE: None,
        A.MERGE: S.MERGED,
        **_ANY_OPEN,
    },
    S.RETURNED: {
        A.RETURN_ACCEPT: S.DISPATCHED,
        A.RETURN_REJECT: S.DISPATCHED,
        A.MERGE: S.MERGED,
        **_ANY_OPEN,
    },
    S.HANDLING: {
        A.NOTE: None,
        A.EXTENSION_REQUEST: None,
        A.EXTENSION_DECIDE: None,
        A.SUSPENSION_REQUEST: None,
        A.SUSPENSION_REFUSE: None,
        A.SUSPEND: S.SUSPENDED,
        A.ANSWER: S.ANSWERED,
        A.SUGGESTION_CLOSE: S.CLOSED,
        A.MERGE: S.MERGED,
        **_ANY_OPEN,
    },
    S.SUSPENDED: {
        A.RESUME: S.HANDLING,
        A.NOTE: None,
        **_ANY_OPEN,
    },
    S.ANSWERED: {
        A.REVIEW_PASS: S.CALLBACK,
        A.REVIEW_SEND_BACK: S.HANDLING,
        A.SUGGESTION_CLOSE: S.CLOSED,
        **_ANY_OPEN,
    },
    S.CALLBACK: {
        A.CALLBACK_ATTEMPT: None,
        A.CALLBACK_CLOSE: S.CLOSED,
        A.REDO: S.HANDLING,
        A.INSTRUCT: None,
    },
    S.CLOSED: {A.INSTRUCT: None},
    S.MERGED: {A.INSTRUCT: None, A.FOLLOW_PARENT: None},
}


def next_state(state: str, action: str) -> str | None:
    """The state after ``action`` from ``state``; raises KeyError when the table does not allow it."""
    target = TRANSITIONS[state][action]
    return state if target is None else target


class LegRole(models.TextChoices):
    LEAD = "lead", _("Lead unit")
    ASSIST = "assist", _("Assisting unit")


class LegState(models.TextChoices):
    PENDING = "pending", _("Awaiting signature")
    SIGNED = "signed", _("Signed, handling")
    RETURN_PENDING = "return_pending", _("Return under review")
    RETURNED = "returned", _("Returned")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


LEG_OPEN_STATES = frozenset({LegState.PENDING, LegState.SIGNED, LegState.RETURN_PENDING})


class RequestKind(models.TextChoices):
    EXTENSION = "extension", _("Extension")
    SUSPENSION = "suspension", _("Suspension")


class RequestState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class DissatisfiedReason(models.TextChoices):
    UNIT = "unit", _("The unit's handling")
    OTHER = "other", _("Other reasons (policy, expectations)")


class SupervisionKind(models.TextChoices):
    URGE = "urge", _("Urge notice")
    SUPERVISE = "supervise", _("Supervision order")


class SuggestionOutcome(models.TextChoices):
    ADOPTED = "adopted", _("Adopted")
    REFERENCE = "reference", _("For reference")
    NOT_ADOPTED = "not_adopted", _("Not adopted")


class CloseReason(models.TextChoices):
    AT_INTAKE = "at_intake", _("Answered at first contact")
    CALLBACK = "callback", _("Closed after callback")
    UNREACHABLE = "unreachable", _("Caller unreachable")
    NO_CALLBACK = "no_callback", _("No callback needed")
    SUGGESTION = "suggestion", _("Suggestion decided")
    MERGED = "merged", _("Answered with the parent case")


class AttachmentPurpose(models.TextChoices):
    INTAKE = "intake", _("Evidence from the citizen")
    NOTE = "note", _("Handling material")
    ANSWER = "answer", _("Answer material")


class Warning(models.TextChoices):
    GREEN = "green", _("On time")
    YELLOW = "yellow", _("Due within one working day")
    RED = "red", _("Overdue")


# Shown beside a due date that counts a day of a year whose holiday schedule is not yet official.
PROVISIONAL_DUE_NOTE = _("Provisional: the State Council's holiday schedule prevails (以国务院公布的节假日安排为准).")
