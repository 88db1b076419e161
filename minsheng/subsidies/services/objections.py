"""Objections to a refusal (申诉): the enterprise reads which clause refused its grant, objects with a reason
and evidence (images or PDFs, their type sniffed from the content, size-limited); a funds officer who took
no decision on that grant upholds or dismisses it with a note. Upheld, the grant goes refused → confirmed
and through the normal approval again — the rules and caps re-checked on today's facts — and is paid when
it qualifies; when it still does not, the enterprise is told why."""

import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.conflicts import Conflict
from minsheng.ledger.bank import BankAdapter
from minsheng.org.choices import Role
from minsheng.org.scope import can
from minsheng.uploads import Upload, sniff_content_type
from minsheng.workdays.calendar import due_after_working_days
from minsheng.workdays.selectors import calendar_current

from ..choices import GrantState, NoticeKind, ObjectionState
from ..models import Grant, GrantEvent, Objection, ObjectionFile
from ..selectors import GRANT_SCOPE
from .core import _require_grant_officer, _transition
from .notices import _notify_enterprise, _site_language


def objection_due(grant: Grant):
    """The last moment to object to the grant's refusal, or None when objections have no deadline
    (``settings.SUBSIDIES_OBJECTION_WORKING_DAYS`` = 0, the default) or the grant is not refused."""
    days = getattr(settings, "SUBSIDIES_OBJECTION_WORKING_DAYS", 0)
    if not days or grant.state != GrantState.REFUSED:
        return None
    refused = (GrantEvent.objects.filter(grant=grant, to_state=GrantState.REFUSED)
               .order_by("-occurred_at", "-id").values_list("occurred_at", flat=True).first())
    if refused is None:
        return None
    return due_after_working_days(calendar_current(), refused, days, tz=timezone.get_default_timezone())


def _check_evidence(files: Iterable[Upload]) -> list[tuple[Upload, str, str]]:
    files = list(files)
    max_files = getattr(settings, "SUBSIDIES_OBJECTION_MAX_FILES", 5)
    max_bytes = getattr(settings, "SUBSIDIES_OBJECTION_MAX_BYTES", 10 * 1024 * 1024)
    if len(files) > max_files:
        raise ValidationError({"files": _("At most %(n)d files.") % {"n": max_files}})
    checked = []
    for upload in files:
        if not upload.data:
            raise ValidationError({"files": _("“%(name)s” is empty.") % {"name": upload.name}})
        if len(upload.data) > max_bytes:
            raise ValidationError({"files": _("“%(name)s” is larger than %(mb)d MB.")
                                   % {"name": upload.name, "mb": max_bytes // (1024 * 1024)}})
        sniffed = sniff_content_type(upload.data[:16])
        if sniffed is None:
            raise ValidationError({"files": _("“%(name)s” is not an image (PNG, JPEG, GIF, WebP) or a PDF.")
                                   % {"name": upload.name}})
        checked.append((upload, *sniffed))
    return checked


@transaction.atomic
def objection_file(*, grant: Grant, user, reason: str, files: Iterable[Upload] = ()) -> Objection:
    """The enterprise objects to the refusal of its grant. Only its own users; only a refused grant; one
    open objection per grant (a second, or the same form sent twice, is a ``Conflict``); within the
    deadline when the city sets one."""
    checked = _check_evidence(files)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the refusal is wrong.")})
    if len(reason) > 2000:
        raise ValidationError({"reason": _("The reason is too long (at most 2,000 characters).")})
    grant = Grant.objects.select_for_update(of=("self",)).select_related("policy", "enterprise").get(pk=grant.pk)
    if not can(user, action="write", rules=GRANT_SCOPE, obj=grant, only_roles=[Role.ENTERPRISE]) or \
            not grant.enterprise.users.filter(pk=user.pk).exists():
        raise PermissionDenied(_("Only the enterprise's own users can object to the refusal of its grant."))
    if grant.objections.filter(state=ObjectionState.OPEN).exists():
        raise Conflict(_("An objection to this refusal is open already: the funds office will decide it."))
    if grant.state != GrantState.REFUSED:
        raise ValidationError(_("Only a refused grant can be objected to (this one is %(state)s).")
                              % {"state": grant.get_state_display()})
    due = objection_due(grant)
    if due is not None and timezone.now() > due:
        raise ValidationError(_("The time to object ended on %(due)s.")
                              % {"due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")})
    try:
        with transaction.atomic():
            objection = Objection.objects.create(grant=grant, reason=reason, filed_by=user,
                                                 refusal_reason=grant.reason[:300])
    except IntegrityError:  # the same form sent twice at once: the first one is open
        raise Conflict(_("An objection to this refusal is open already: the funds office will decide it.")) from None
    rows = []
    for upload, content_type, extension in checked:
        digest = hashlib.sha256(upload.data).hexdigest()
        row = ObjectionFile(objection=objection, name=upload.name[:120] or extension, content_type=content_type,
                            size=len(upload.data), sha256=digest)
        row.file.save(f"{digest[:16]}.{extension}", ContentFile(upload.data), save=False)
        rows.append(row)
    ObjectionFile.objects.bulk_create(rows)
    audit_record(actor=user, action="subsidies.objection_file", obj=objection,
                 summary={"grant": grant.pk, "files": len(rows)})
    return objection


def _decided_on_grant(actor, grant: Grant) -> bool:
    """Whether ``actor`` took a decision on the grant by hand (approved it, refused it, paid it again,
    looked at it again, …): every state change they made is in its events."""
    return GrantEvent.objects.filter(grant=grant, actor=actor).exists()


def objection_decide(*, objection: Objection, actor, uphold: bool, note: str,
                     bank: BankAdapter | None = None) -> Objection:
    """A funds officer upholds or dismisses an objection, with a note the enterprise reads. Never one who
    took a decision on that grant by hand. Upheld: refused → confirmed, then approved by the rules (the
    rules and caps checked again on today's facts) and paid at once when it qualifies; the enterprise is
    told what came of it — paid, or why it still cannot be."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write the note the enterprise will read.")})
    if len(note) > 300:
        raise ValidationError({"note": _("The note is too long (at most 300 characters).")})
    with transaction.atomic():
        # Locks in one order everywhere: the grant, then its objection.
        grant = Grant.objects.select_for_update(of=("self",)).select_related("policy", "enterprise") \
            .get(pk=Objection.objects.values_list("grant_id", flat=True).get(pk=objection.pk))
        objection = Objection.objects.select_for_update().get(pk=objection.pk)
        _require_grant_officer(actor, grant)
        if objection.state != ObjectionState.OPEN:
            raise Conflict(_("This objection was decided already (%(state)s).")
                           % {"state": objection.get_state_display()})
        if _decided_on_grant(actor, grant):
            raise PermissionDenied(_("You took a decision on this grant: another funds officer must decide the "
                                     "objection."))
        objection.decided_by, objection.decided_at, objection.decision_note = actor, timezone.now(), note
        if not uphold:
            objection.state = ObjectionState.DISMISSED
            objection.save()
            with _site_language():
                text = _("Your objection to the refusal of “%(policy)s” (%(period)s) was dismissed: %(note)s") % {
                    "policy": grant.policy.name, "period": grant.period, "note": note}
            _notify_enterprise(grant, NoticeKind.OBJECTION_DISMISSED, text)
            audit_record(actor=actor, action="subsidies.objection_decide", obj=objection, summary={"uphold": False})
            return objection
        if grant.state != GrantState.REFUSED:
            raise Conflict(_("The grant is %(state)s now, no longer refused: dismiss the objection with a note "
                             "saying so.") % {"state": grant.get_state_display()})
        objection.state = ObjectionState.UPHELD
        objection.save()
        _transition(grant, GrantState.CONFIRMED, actor=actor, refusal="",
                    reason=(_("Looked at again after an objection: %(note)s") % {"note": note})[:300],
                    detail={"objection": objection.pk})
        audit_record(actor=actor, action="subsidies.objection_decide", obj=objection, summary={"uphold": True})
    return _reevaluate(objection, grant, bank=bank)


def _reevaluate(objection: Objection, grant: Grant, *, bank: BankAdapter | None) -> Objection:
    """The normal approval (by the rules, no officer) and payment of an upheld objection's grant, then
    the enterprise told what came of it. Payment runs outside any transaction (the bank is asked)."""
    from .grants import grant_approve
    from .payments import grant_pay

    grant = grant_approve(grant=grant)
    if grant.state == GrantState.APPROVED:
        grant = grant_pay(grant=grant, bank=bank)
    with transaction.atomic():
        grant = Grant.objects.select_related("policy").get(pk=grant.pk)
        Objection.objects.filter(pk=objection.pk).update(outcome=grant.state)
        objection.outcome = grant.state
        _notify_enterprise(grant, NoticeKind.OBJECTION_UPHELD, _outcome_text(grant, objection.decision_note))
    return objection


def _outcome_text(grant: Grant, note: str) -> str:
    with _site_language():
        upheld = _("Your objection to the refusal of “%(policy)s” (%(period)s) was upheld: %(note)s") % {
            "policy": grant.policy.name, "period": grant.period, "note": note}
        amount = f"{grant.amount / 100:,.2f}"
        if grant.state == GrantState.PAID:
            then = _("The grant was approved and %(amount)s yuan paid to your account.") % {"amount": amount}
        elif grant.state in (GrantState.APPROVED, GrantState.PAYING):
            then = _("The grant was approved; %(amount)s yuan is being paid.") % {"amount": amount}
        elif grant.state == GrantState.REFUSED:
            then = _("The grant was looked at again but still cannot be paid: %(reason)s") % {"reason": grant.reason}
        elif grant.state == GrantState.OFFERED:
            then = _("The amount is now %(amount)s yuan: confirm the offer again on your grants page.") % {
                "amount": amount}
        elif grant.state == GrantState.FAILED:
            then = _("The grant was approved but the bank could not pay it (%(reason)s); the funds office will "
                     "pay it again.") % {"reason": grant.reason}
        else:
            then = _("The grant is now: %(state)s. %(reason)s") % {"state": grant.get_state_display(),
                                                                   "reason": grant.reason}
    return f"{upheld} {then}"
