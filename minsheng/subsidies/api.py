"""The policy-funds API at /api/subsidies/: the same selectors and services as the pages."""

import datetime as dt
from dataclasses import asdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from minsheng.org.models import Region
from minsheng.uploads import Upload

from . import selectors, services, vouchers
from .choices import ObjectionState
from .imports import rows_from_upload
from .models import CapGroup
from .schemas import (
    BatchOut,
    ConfirmIn,
    DecisionIn,
    EnterpriseIn,
    EnterpriseOut,
    GrantOut,
    ImportOut,
    MatchOut,
    NoticeOut,
    ObjectionDecisionIn,
    ObjectionOut,
    PolicyIn,
    PolicyOut,
    PublishIn,
    RecoveryIn,
    RecoveryOut,
    RefusalOut,
    RepaymentIn,
    RepaymentOut,
    RowsIn,
    SimulationOut,
    StatsOut,
    VersionIn,
    VersionOut,
    VoucherOut,
)

router = Router(tags=["subsidies"])


def _officials_only(request) -> None:
    if not selectors.is_official(request.user):
        raise PermissionDenied


# --- enterprises and facts -----------------------------------------------------------------------------

@router.get("/enterprises", response=list[EnterpriseOut])
def enterprise_list(request, q: str = "", limit: int = 100, offset: int = 0):
    qs = selectors.enterprise_list(user=request.user, query=q)
    return list(qs[max(0, offset): max(0, offset) + min(max(limit, 1), 1000)])


# Before "/enterprises/{pk}", whose path parameter would otherwise take "import" (a 405).
@router.post("/enterprises/import", response=ImportOut)
def enterprises_import(request, payload: RowsIn):
    services._require_funds_officer(request.user)
    return asdict(services.enterprises_import(rows=payload.rows, actor=request.user))


@router.get("/enterprises/{pk}", response=EnterpriseOut)
def enterprise_get(request, pk: int):
    return selectors.enterprise_get(user=request.user, pk=pk)


@router.post("/enterprises", response={201: EnterpriseOut})
def enterprise_register(request, payload: EnterpriseIn):
    _officials_only(request)
    services._require_funds_officer(request.user)
    region = get_object_or_404(Region, code=payload.region)
    return Status(201, services.enterprise_register(uscc=payload.uscc, name=payload.name, region=region,
                                             industry_code=payload.industry_code, scale=payload.scale,
                                             registered_on=payload.registered_on, actor=request.user))


@router.post("/facts", response=ImportOut)
def facts_import(request, payload: RowsIn):
    services._require_funds_officer(request.user)
    return asdict(services.facts_import(rows=payload.rows, source=payload.source, actor=request.user))


@router.post("/facts/upload", response=ImportOut)
def facts_upload(request, file: File[UploadedFile], source: Form[str] = ""):
    services._require_funds_officer(request.user)
    return asdict(services.facts_import(rows=rows_from_upload(file), source=source, actor=request.user,
                                        file_name=file.name or ""))


# --- policies ------------------------------------------------------------------------------------------

@router.get("/policies", response=list[PolicyOut])
def policy_list(request):
    return list(selectors.policy_list(user=request.user).prefetch_related("versions"))


@router.get("/policies/{pk}", response=PolicyOut)
def policy_get(request, pk: int):
    return selectors.policy_get(user=request.user, pk=pk)


@router.post("/policies", response={201: VersionOut})
def policy_create(request, payload: PolicyIn):
    cap_group = CapGroup.objects.get(code=payload.cap_group) if payload.cap_group else None
    data = payload.dict(exclude={"cap_group"})
    return Status(201, services.policy_create(actor=request.user, cap_group=cap_group, **data))


@router.post("/policies/{pk}/versions", response={201: VersionOut})
def policy_version_save(request, pk: int, payload: VersionIn):
    policy = selectors.policy_get(user=request.user, pk=pk, action="write")
    return Status(201, services.policy_version_save(policy=policy, actor=request.user, **payload.dict()))


@router.get("/versions/{pk}/simulate", response=SimulationOut)
def policy_simulate(request, pk: int, named: str = ""):
    version = selectors.policy_version_get(user=request.user, pk=pk)
    simulation = services.policy_simulate(version=version, named=named.replace(",", " ").split())
    return {**{k: v for k, v in simulation.__dict__.items() if k != "version"},
            "within_budget": simulation.within_budget}


@router.post("/versions/{pk}/publish", response=VersionOut)
def policy_publish(request, pk: int, payload: PublishIn):
    version = selectors.policy_version_get(user=request.user, pk=pk, action="write")
    return services.policy_publish(version=version, approver=request.user, reviewed_hash=payload.reviewed_hash,
                                   comment=payload.comment)


@router.post("/versions/{pk}/match", response=MatchOut)
def policy_match(request, pk: int):
    version = selectors.policy_version_get(user=request.user, pk=pk, action="write")
    return asdict(services.policy_match(version=version, actor=request.user))


@router.post("/policies/{pk}/approve", response=BatchOut)
def policy_approve(request, pk: int):
    policy = selectors.policy_get(user=request.user, pk=pk, action="write")
    return asdict(services.grant_batch_approve(policy=policy, actor=request.user))


@router.post("/policies/{pk}/pay", response=BatchOut,
             summary="Pay the approved grants (never by the officer who approved them)")
def policy_pay(request, pk: int):
    policy = selectors.policy_get(user=request.user, pk=pk, action="write")
    return asdict(services.grant_batch_pay(policy=policy, actor=request.user))


@router.get("/policies/{pk}/stats", response=StatsOut)
def policy_stats(request, pk: int):
    _officials_only(request)
    stats = selectors.policy_stats(user=request.user, policy=selectors.policy_get(user=request.user, pk=pk))
    return {**stats, "policy": stats["policy"].code}


# --- grants --------------------------------------------------------------------------------------------

@router.get("/grants", response=list[GrantOut])
def grant_list(request, state: str = "", limit: int = 100, offset: int = 0):
    qs = selectors.grant_list(user=request.user, state=state)
    return list(qs[max(0, offset): max(0, offset) + min(max(limit, 1), 1000)])


@router.get("/grants/{pk}", response=GrantOut)
def grant_get(request, pk: int):
    return selectors.grant_get(user=request.user, pk=pk)


@router.post("/grants/{pk}/confirm", response=GrantOut)
def grant_confirm(request, pk: int, payload: ConfirmIn):
    """The enterprise confirms its offer with a receiving account: approved and paid at once (秒批秒付)."""
    grant = selectors.grant_get(user=request.user, pk=pk)
    return services.grant_confirm(grant=grant, user=request.user, bank_account_no=payload.bank_account_no)


@router.post("/versions/{pk}/apply/{enterprise_pk}", response=GrantOut)
def grant_apply(request, pk: int, enterprise_pk: int, payload: ConfirmIn):
    version = selectors.policies_open_for_application().get(pk=pk)
    enterprise = selectors.enterprises_of_user(request.user).get(pk=enterprise_pk)
    return services.grant_apply(version=version, enterprise=enterprise, user=request.user,
                                bank_account_no=payload.bank_account_no)


# --- recovery (追回) ------------------------------------------------------------------------------------

@router.get("/recoveries", response=list[RecoveryOut])
def recovery_list(request, state: str = "", limit: int = 100, offset: int = 0):
    qs = selectors.recovery_list(user=request.user, state=state)
    return list(qs[max(0, offset): max(0, offset) + min(max(limit, 1), 1000)])


@router.post("/grants/{pk}/recovery", response={201: RecoveryOut},
             summary="Ask to recover a paid grant (a second funds officer decides)")
def recovery_request(request, pk: int, payload: RecoveryIn):
    grant = selectors.grant_get(user=request.user, pk=pk)
    return Status(201, services.recovery_request(grant=grant, reason=payload.reason, actor=request.user))


@router.post("/recoveries/{pk}/decide", response=RecoveryOut)
def recovery_decide(request, pk: int, payload: DecisionIn):
    recovery = selectors.recovery_get(user=request.user, pk=pk)
    return services.recovery_decide(recovery=recovery, actor=request.user, approve=payload.approve,
                                    note=payload.note)


@router.post("/grants/{pk}/repayments", response=RepaymentOut,
             summary="Record money paid back; idempotent by the bank reference")
def recovery_repayment(request, pk: int, payload: RepaymentIn):
    grant = selectors.grant_get(user=request.user, pk=pk)
    return services.recovery_repayment_record(grant=grant, amount=payload.amount, reference=payload.reference,
                                              actor=request.user)


# --- objections (申诉) ----------------------------------------------------------------------------------

@router.get("/grants/{pk}/refusal", response=RefusalOut, summary="Why a grant was refused, in plain words")
def grant_refusal(request, pk: int):
    grant = selectors.grant_get(user=request.user, pk=pk)
    open_objection = selectors.objection_list(user=request.user, grant=grant, state=ObjectionState.OPEN).first()
    return {"state": grant.state, "reason": grant.reason, "explained": selectors.refusal_explained(grant),
            "objection_due": services.objection_due(grant), "open_objection": open_objection.pk if open_objection
            else None}


@router.get("/objections", response=list[ObjectionOut])
def objection_list(request, state: str = "", limit: int = 100, offset: int = 0):
    qs = selectors.objection_list(user=request.user, state=state)
    return list(qs[max(0, offset): max(0, offset) + min(max(limit, 1), 1000)])


@router.post("/grants/{pk}/objection", response={201: ObjectionOut},
             summary="The enterprise objects to a refusal, with evidence files (images or PDF)")
def objection_file(request, pk: int, reason: Form[str], files: File[list[UploadedFile]] = None):
    grant = selectors.grant_get(user=request.user, pk=pk)
    uploads = [Upload(name=f.name or "", data=f.read()) for f in files or []]
    return Status(201, services.objection_file(grant=grant, user=request.user, reason=reason, files=uploads))


@router.post("/objections/{pk}/decide", response=ObjectionOut)
def objection_decide(request, pk: int, payload: ObjectionDecisionIn):
    objection = selectors.objection_get(user=request.user, pk=pk)
    return services.objection_decide(objection=objection, actor=request.user, uphold=payload.uphold,
                                     note=payload.note)


@router.get("/notices", response=list[NoticeOut], summary="Notices to the enterprises the user may read")
def notice_list(request, limit: int = 100, offset: int = 0):
    qs = selectors.notice_list(user=request.user)
    return list(qs[max(0, offset): max(0, offset) + min(max(limit, 1), 1000)])


# --- accounting vouchers (记账凭证) -------------------------------------------------------------------

@router.get("/vouchers", response=list[VoucherOut], summary="The accounting vouchers of each day in a range")
def voucher_list(request, start: dt.date, end: dt.date):
    if not vouchers.can_export_vouchers(request.user):
        raise PermissionDenied
    if start > end or (end - start).days >= vouchers.MAX_DAYS:
        raise ValidationError({"end": _("The range runs from the first day to the last, at most 366 days.")})
    return [{**v.__dict__, "policy": v.policy.code, "summary": v.summary,
             "lines": [{**line.__dict__, "account_name": line.account_name} for line in v.lines]}
            for v in vouchers.voucher_list(start=start, end=end)]
