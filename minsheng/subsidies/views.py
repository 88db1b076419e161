"""Pages: policies (write, simulate, publish, match), enterprises and facts, the enterprise mini-app, statistics.

Views are thin: they read through selectors (scoped to the user), call one service and render.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.conflicts import Conflict
from minsheng.org.models import Region
from minsheng.service_errors import add_service_errors
from minsheng.uploads import Upload

from . import selectors, services, vouchers
from .choices import PAID_OUT_STATES, GrantState, ObjectionState, PolicyMode, RecoveryState, VersionState
from .forms import (
    AccountDecisionForm,
    ClaimCodeForm,
    ClaimForm,
    ConfirmForm,
    DecisionForm,
    EnterpriseForm,
    ImportForm,
    InviteForm,
    JoinForm,
    ObjectionDecisionForm,
    ObjectionForm,
    PolicyAccountsForm,
    PolicyForm,
    PolicyVersionForm,
    PublishForm,
    ReceivingAccountForm,
    RecoveryRequestForm,
    RepayForm,
    RepaymentForm,
    SimulateForm,
    VoucherForm,
    to_fen,
)
from .imports import rows_from_upload
from .models import Industry, Policy


def _found(selector, **kwargs):
    """The selector's object, or a 404 when it does not exist or lies outside the user's scope."""
    try:
        return selector(**kwargs)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def _officials_only(request) -> None:
    if not selectors.is_official(request.user):
        raise PermissionDenied(_("Only funds officers, leaders and supervisors see this page."))


def _version_terms(data: dict) -> dict:
    return {"rule_text": data["rule_text"], "period": data["period"].strip(), "budget": to_fen(data["budget"]),
            "per_enterprise_cap": to_fen(data["per_enterprise_cap"]), "legal_reference": data["legal_reference"]}


# --- policies -----------------------------------------------------------------------------------------

@login_required
def policy_list(request):
    _officials_only(request)
    policies = selectors.policy_list(user=request.user).prefetch_related("versions")
    rows = [(p, p.versions.all()[0] if p.versions.all() else None) for p in policies]
    return render(request, "subsidies/policy_list.html", {
        "rows": rows, "can_write": selectors.can_write_policies(request.user)})


@login_required
def policy_new(request):
    _officials_only(request)
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = services.policy_create(code=data["code"], name=data["name"], mode=data["mode"],
                                             cap_group=data["cap_group"], actor=request.user, **_version_terms(data))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Draft saved. Simulate it, then ask a second officer to publish it."))
            return redirect("subsidies:policy_detail", pk=version.policy_id)
    return render(request, "subsidies/policy_form.html", {"form": form, "policy": None})


@login_required
def policy_detail(request, pk: int):
    _officials_only(request)
    policy = _found(selectors.policy_get, user=request.user, pk=pk)
    versions = list(policy.versions.select_related("author", "approval__approver"))
    edited = set(policy.versions.filter(editors=request.user).values_list("pk", flat=True))
    return render(request, "subsidies/policy_detail.html", {
        "policy": policy, "versions": versions, "current": versions[0] if versions else None, "edited_ids": edited,
        "published": next((v for v in versions if v.state == VersionState.PUBLISHED), None),
        "can_write": selectors.can_write_policies(request.user),
        "stats": selectors.policy_stats(user=request.user, policy=policy),
        "grants": selectors.grant_list(user=request.user, policy=policy)[:50],
        "publish_form": PublishForm(),
        "accounts_form": PolicyAccountsForm(initial={name: getattr(policy, name)
                                                     for name in services.ACCOUNT_CODE_FIELDS}),
        "account_defaults": {account: vouchers.account_code(Policy(), account)
                             for account in ("expenditure", "payable", "bank", "receivable", "funding")},
    })


@login_required
@require_POST
def policy_accounts(request, pk: int):
    """A funds officer sets the account codes the policy's vouchers are booked to."""
    policy = _found(selectors.policy_get, user=request.user, pk=pk, action="write")
    form = PolicyAccountsForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("subsidies:policy_detail", pk=policy.pk)
    try:
        services.policy_accounts_set(policy=policy, actor=request.user, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Account codes saved."))
    return redirect("subsidies:policy_detail", pk=policy.pk)


@login_required
def policy_edit(request, pk: int):
    _officials_only(request)
    policy = _found(selectors.policy_get, user=request.user, pk=pk, action="write")
    latest = policy.versions.first()
    initial = {"rule_text": latest.rule_text, "period": latest.period, "budget": latest.budget / 100,
               "per_enterprise_cap": latest.per_enterprise_cap / 100 if latest.per_enterprise_cap else None,
               "legal_reference": latest.legal_reference} if latest else {}
    form = PolicyVersionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_version_save(policy=policy, actor=request.user, **_version_terms(form.cleaned_data))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("subsidies:policy_detail", pk=policy.pk)
    return render(request, "subsidies/policy_form.html", {"form": form, "policy": policy})


@login_required
def policy_simulate(request, pk: int):
    _officials_only(request)
    version = _found(selectors.policy_version_get, user=request.user, pk=pk)
    form = SimulateForm(request.GET or None)
    named = form.cleaned_data["named"].split() if form.is_valid() else []
    simulation = services.policy_simulate(version=version, named=named)
    return render(request, "subsidies/policy_simulate.html", {"version": version, "form": form, "sim": simulation})


@login_required
@require_POST
def policy_publish(request, pk: int):
    version = _found(selectors.policy_version_get, user=request.user, pk=pk, action="write")
    form = PublishForm(request.POST)
    try:
        services.policy_publish(version=version, approver=request.user,
                                reviewed_hash=form.data.get("reviewed_hash", ""),
                                comment=form.data.get("comment", "")[:300])
    except (ValidationError, Conflict) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Version %(n)s is published.") % {"n": version.number})
    return redirect("subsidies:policy_detail", pk=version.policy_id)


@login_required
@require_POST
def policy_match(request, pk: int):
    version = _found(selectors.policy_version_get, user=request.user, pk=pk, action="write")
    try:
        result = services.policy_match(version=version, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(eligible)s enterprises qualify; %(offered)s new offers sent, %(again)s "
                                    "offered again at today's amount.")
                         % {"eligible": result.eligible, "offered": result.offered, "again": result.reoffered})
    return redirect("subsidies:policy_detail", pk=version.policy_id)


@login_required
@require_POST
def policy_approve(request, pk: int):
    """A funds officer approves the confirmed grants (the rules and caps re-checked on today's facts)."""
    policy = _found(selectors.policy_get, user=request.user, pk=pk, action="write")
    try:
        approved = services.grant_batch_approve(policy=policy, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:  # e.g. a stored rule the limits now refuse
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("subsidies:policy_detail", pk=policy.pk)
    messages.success(request, _("Approved %(a)s, refused %(r)s, offered again at a new amount %(o)s, withdrawn "
                                "%(w)s.") % {"a": approved.approved, "r": approved.refused, "o": approved.reoffered,
                                             "w": approved.withdrawn})
    return redirect("subsidies:policy_detail", pk=policy.pk)


@login_required
@require_POST
def policy_pay(request, pk: int):
    """Another funds officer pays what was approved (four eyes: never the one who approved)."""
    policy = _found(selectors.policy_get, user=request.user, pk=pk, action="write")
    try:
        paid = services.grant_batch_pay(policy=policy, actor=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Paid %(p)s, failed %(f)s.") % {"p": paid.paid, "f": paid.failed})
    return redirect("subsidies:policy_detail", pk=policy.pk)


# --- enterprises --------------------------------------------------------------------------------------

@login_required
def enterprise_list(request):
    _officials_only(request)
    district = request.GET.get("district") or None
    qs = selectors.enterprise_list(user=request.user, query=request.GET.get("q", "").strip(),
                                   district_id=int(district) if district and district.isdigit() else None,
                                   section=request.GET.get("section", ""))
    return render(request, "subsidies/enterprise_list.html", {
        "enterprises": qs[:100], "count": qs.count(), "districts": Region.objects.filter(level="district"),
        "sections": Industry.objects.filter(level="section"), "can_write": selectors.can_write_policies(request.user),
    })


@login_required
def enterprise_new(request):
    _officials_only(request)
    if not selectors.can_write_policies(request.user):
        raise PermissionDenied
    form = EnterpriseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enterprise = services.enterprise_register(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("subsidies:enterprise_detail", pk=enterprise.pk)
    return render(request, "subsidies/enterprise_form.html", {"form": form})


@login_required
def enterprise_detail(request, pk: int):
    enterprise = _found(selectors.enterprise_get, user=request.user, pk=pk)
    official = selectors.is_official(request.user)
    return render(request, "subsidies/enterprise_detail.html", {
        "enterprise": enterprise, "facts": selectors.enterprise_facts(user=request.user, enterprise=enterprise),
        # who recorded each value names officials: for officials only
        "fact_history": selectors.fact_history(user=request.user, enterprise=enterprise)[:200] if official else None,
        "grants": selectors.grant_list(user=request.user, enterprise=enterprise),
        "can_write": services.can_manage_enterprise(request.user, enterprise),
        "linked_users": enterprise.users.all() if selectors.is_official(request.user) else []})


@login_required
@require_POST
def enterprise_user_remove(request, pk: int, user_pk: int):
    """An officer (or the enterprise's administrator) removes a user from the enterprise."""
    enterprise = _found(selectors.enterprise_get, user=request.user, pk=pk, action="write")
    user = get_object_or_404(enterprise.users.all(), pk=user_pk)
    try:
        services.enterprise_user_remove(enterprise=enterprise, actor=request.user, user=user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("%(user)s no longer acts for this enterprise.") % {"user": user})
    return redirect("subsidies:enterprise_detail", pk=enterprise.pk)


def _refusal_on(form, exc: Exception) -> None:
    """A service's refusal on the form that asked (field errors where the form has the field)."""
    if isinstance(exc, ValidationError):
        add_service_errors(form, exc)
    else:
        form.add_error(None, str(exc))


@login_required
def enterprise_claim(request):
    """Claim an enterprise as its administrator: the registered details, then the code sent to the legal
    representative's registered mobile."""
    form, code_form, stage = ClaimForm(), None, "details"
    if request.method == "POST" and "code" in request.POST:
        code_form, stage = ClaimCodeForm(request.POST), "code"
        if code_form.is_valid():
            try:
                enterprise = services.enterprise_claim_verify(user=request.user, **code_form.cleaned_data)
            except (ValidationError, Conflict, PermissionDenied) as exc:
                _refusal_on(code_form, exc)
            else:
                messages.success(request, _("You are now the administrator of %(name)s.") % {"name": enterprise})
                return redirect("subsidies:enterprise_team")
    elif request.method == "POST":
        form = ClaimForm(request.POST)
        if form.is_valid():
            try:
                services.enterprise_claim_start(user=request.user, **form.cleaned_data)
            except (ValidationError, Conflict, PermissionDenied) as exc:
                _refusal_on(form, exc)
            else:
                code_form, stage = ClaimCodeForm(initial={"uscc": form.cleaned_data["uscc"]}), "code"
    return render(request, "subsidies/enterprise_claim.html", {"form": form, "code_form": code_form, "stage": stage})


@login_required
def enterprise_join(request):
    """Join an enterprise with the code its administrator's invitation sent to your mobile."""
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enterprise = services.enterprise_invite_accept(user=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _refusal_on(form, exc)
        else:
            messages.success(request, _("You now act for %(name)s.") % {"name": enterprise})
            return redirect("subsidies:enterprise_home")
    return render(request, "subsidies/enterprise_join.html", {"form": form})


@login_required
def enterprise_team(request):
    """The administrator's page: the enterprise's users, invitations, removals, handing over the role."""
    enterprises = [e for e in selectors.enterprises_of_user(request.user) if e.administrator_id == request.user.pk]
    if not enterprises:
        raise PermissionDenied(_("Only an enterprise's administrator can manage its users."))
    enterprise = enterprises[0]
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        try:
            if "remove" in request.POST or "transfer" in request.POST:
                user = get_object_or_404(enterprise.users.all(), pk=request.POST.get("user"))
                if "remove" in request.POST:
                    services.enterprise_user_remove(enterprise=enterprise, actor=request.user, user=user)
                    messages.success(request, _("%(user)s no longer acts for the enterprise.") % {"user": user})
                else:
                    services.enterprise_administrator_transfer(enterprise=enterprise, actor=request.user, user=user)
                    messages.success(request, _("%(user)s is the administrator now.") % {"user": user})
                return redirect("subsidies:enterprise_team")
            if form.is_valid():
                services.enterprise_invite(enterprise=enterprise, actor=request.user, **form.cleaned_data)
                messages.success(request, _("Invitation sent: your colleague signs in and enters the code on the "
                                            "“join an enterprise” page."))
                return redirect("subsidies:enterprise_team")
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
    return render(request, "subsidies/enterprise_team.html", {
        "enterprise": enterprise, "users": enterprise.users.order_by("id"), "form": form})


@login_required
def facts_import(request):
    _officials_only(request)
    if not selectors.can_write_policies(request.user):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = rows_from_upload(upload)
            if form.cleaned_data["kind"] == "enterprises":
                result = services.enterprises_import(rows=rows, actor=request.user)
            else:
                result = services.facts_import(rows=rows, source=form.cleaned_data["source"], actor=request.user,
                                               file_name=upload.name)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Conflict as exc:
            form.add_error("file", str(exc))
        else:
            if form.cleaned_data["kind"] == "enterprises":
                messages.success(request, _("Registered %(created)s enterprises.") % {"created": result.created})
            else:
                messages.success(request, _("Imported %(rows)s rows (batch %(batch)s): %(created)s new values, "
                                            "%(updated)s changed, %(unchanged)s unchanged.")
                                 % {"rows": result.rows, "batch": result.batch, "created": result.created,
                                    "updated": result.updated, "unchanged": result.unchanged})
            return redirect("subsidies:enterprise_list")
    return render(request, "subsidies/facts_import.html", {"form": form})


# --- grants and the enterprise mini-app ---------------------------------------------------------------

@login_required
def grant_detail(request, pk: int):
    grant = _found(selectors.grant_get, user=request.user, pk=pk)
    official = selectors.is_official(request.user)
    # The grant evaluated again on the facts as they were at its offer, confirmation and approval (officials).
    rederivation = None
    if official:
        try:
            rederivation = services.grant_rederive(grant=grant)
        except ValidationError:  # the version's rule no longer compiles (a fact kind removed): show the rest
            rederivation = None
    recoveries = list(selectors.recovery_list(user=request.user, grant=grant).prefetch_related("repayments"))
    objections = list(selectors.objection_list(user=request.user, grant=grant))
    return render(request, "subsidies/grant_detail.html", {
        "grant": grant, "events": selectors.grant_events(grant), "official": official, "rederivation": rederivation,
        "can_decide": official and selectors.can_decide_on_grants(request.user),
        "explained": selectors.refusal_explained(grant),
        "trace": selectors.refusal_trace(grant) or grant.trace,
        "paid_out": grant.state in PAID_OUT_STATES,
        "recoveries": recoveries, "objections": objections,
        "live_recovery": next((r for r in recoveries if r.state != RecoveryState.REFUSED), None),
        "open_objection": next((o for o in objections if o.state == ObjectionState.OPEN), None),
        "notices": selectors.notice_list(user=request.user, grant=grant),
        "recovery_form": RecoveryRequestForm(), "decision_form": DecisionForm(), "repayment_form": RepaymentForm(),
        "repay_form": _repay_form(grant) if official and grant.state == GrantState.RETURNED else None,
        "objection_decision_form": ObjectionDecisionForm(),
    })


@login_required
def enterprise_home(request):
    enterprises = list(selectors.enterprises_of_user(request.user))
    grants = list(selectors.grant_list(user=request.user).filter(enterprise__in=enterprises))
    owed = list(selectors.recoveries_owed(user=request.user, enterprises=enterprises))
    # (policy, enterprise) pairs with money owed back: no new offer until repaid (the offers say why)
    barred = {(r.grant.policy_id, r.grant.enterprise_id): r for r in owed} \
        if getattr(settings, "SUBSIDIES_BAR_UNTIL_RECOVERED", True) else {}
    offers = [(g, barred.get((g.policy_id, g.enterprise_id))) for g in grants if g.state == GrantState.OFFERED]
    objected = selectors.open_objection_grant_ids(user=request.user, grants=grants)
    history = [(g, selectors.refusal_explained(g), g.pk in objected) for g in grants if g.state != GrantState.OFFERED]
    applied = {(g.policy_id, g.enterprise_id) for g in grants}
    accounts: dict[int, list] = {}
    for account in selectors.receiving_accounts_active(enterprises=enterprises):
        accounts.setdefault(account.enterprise_id, []).append(account)
    for grant, _bar in offers:
        grant.accounts = accounts.get(grant.enterprise_id, [])
    open_policies = [(v, e, accounts.get(e.pk, []), barred.get((v.policy_id, e.pk)))
                     for v in selectors.policies_open_for_application()
                     for e in enterprises if (v.policy_id, e.pk) not in applied]
    return render(request, "subsidies/enterprise_home.html", {
        "enterprises": enterprises, "offers": offers, "history": history, "open_policies": open_policies,
        "owed": owed, "notices": selectors.notice_list(user=request.user, enterprises=enterprises)[:20],
        "has_accounts": bool(accounts),
    })


@login_required
def receiving_accounts(request):
    """The enterprise's receiving accounts, and the form to register one (a funds officer approves it)."""
    enterprises = list(selectors.enterprises_of_user(request.user))
    if not enterprises:
        raise PermissionDenied(_("Your account is not linked to an enterprise."))
    enterprise = enterprises[0]
    if request.POST.get("enterprise"):
        enterprise = next((e for e in enterprises if str(e.pk) == request.POST["enterprise"]), None)
        if enterprise is None:
            raise Http404
    form = ReceivingAccountForm(request.POST or None, initial={"account_name": enterprise.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.receiving_account_request(enterprise=enterprise, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Sent: a funds officer will check the account. You can receive money on it "
                                        "once it is approved."))
            return redirect("subsidies:receiving_accounts")
    return render(request, "subsidies/receiving_accounts.html", {
        "form": form, "enterprises": enterprises,
        "accounts": selectors.receiving_accounts_of(enterprises=enterprises)})


@login_required
def receiving_account_review(request):
    _officials_only(request)
    if not selectors.can_write_policies(request.user):
        raise PermissionDenied(_("Only funds officers may do this."))
    return render(request, "subsidies/receiving_account_review.html", {
        "pending": selectors.receiving_accounts_pending(user=request.user), "form": AccountDecisionForm()})


@login_required
@require_POST
def receiving_account_decide(request, pk: int):
    account = _found(selectors.receiving_account_get, user=request.user, pk=pk)
    form = AccountDecisionForm(request.POST)
    note = form.data.get("note", "")[:300]
    try:
        services.receiving_account_decide(account=account, actor=request.user, approve="approve" in request.POST,
                                          note=note)
    except (ValidationError, Conflict, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Decided."))
    return redirect("subsidies:receiving_account_review")


@login_required
def grant_confirm(request, pk: int):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    grant = _found(selectors.grant_get, user=request.user, pk=pk)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of your registered receiving accounts."))
        return redirect("subsidies:enterprise_home")
    try:
        grant = services.grant_confirm(grant=grant, user=request.user, **form.cleaned_data)
    except (ValidationError, Conflict) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        _settled_message(request, grant)
    return redirect("subsidies:enterprise_home")


@login_required
@require_POST
def grant_apply(request, pk: int, enterprise_pk: int):
    version = get_object_or_404(selectors.policies_open_for_application(), pk=pk)
    enterprise = get_object_or_404(selectors.enterprises_of_user(request.user), pk=enterprise_pk)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of your registered receiving accounts."))
        return redirect("subsidies:enterprise_home")
    try:
        grant = services.grant_apply(version=version, enterprise=enterprise, user=request.user, **form.cleaned_data)
    except (ValidationError, Conflict) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        _settled_message(request, grant)
    return redirect("subsidies:enterprise_home")


def _settled_message(request, grant) -> None:
    if grant.state == GrantState.PAID:
        messages.success(request, _("Paid: %(amount)s yuan is on its way to your account.") % {
            "amount": grant.amount_yuan})
    else:
        messages.warning(request, _("Confirmed; the grant is now: %(state)s %(reason)s") % {
            "state": grant.get_state_display(), "reason": grant.reason})


# --- statistics -----------------------------------------------------------------------------------------

@login_required
def stats(request):
    _officials_only(request)
    rows = [selectors.policy_stats(user=request.user, policy=p) for p in selectors.policy_list(user=request.user)]
    chart = {
        "policies": [r["policy"].name for r in rows],
        "eligible": [r["eligible"] for r in rows],
        "confirmed": [r["confirmed"] for r in rows],
        "paid": [r["paid"] for r in rows],
        "paid_yuan": [round(r["paid_amount"] / 100) for r in rows],
        "budget_yuan": [round(r["budget"] / 100) for r in rows],
        "labels": {"eligible": _("Eligible"), "confirmed": _("Confirmed"), "paid": _("Paid"),
                   "paid_yuan": _("Paid (yuan)"), "budget_yuan": _("Budget (yuan)")},
    }
    by_district: dict[str, int] = {}
    by_industry: dict[str, int] = {}
    for r in rows:
        for d in r["by_district"]:
            by_district[d["name"] or "—"] = by_district.get(d["name"] or "—", 0) + round((d["paid_amount"] or 0) / 100)
        for d in r["by_industry"]:
            by_industry[d["section"] or "—"] = by_industry.get(d["section"] or "—", 0) + \
                round((d["paid_amount"] or 0) / 100)
    sections = dict(Industry.objects.filter(level="section").values_list("code", "name"))
    chart["by_district"] = sorted(by_district.items(), key=lambda kv: -kv[1])
    named = [(f"{code} {sections.get(code, '')}".strip(), fen) for code, fen in by_industry.items()]
    chart["by_industry"] = sorted(named, key=lambda kv: -kv[1])
    return render(request, "subsidies/stats.html", {"rows": rows, "chart": chart, "modes": PolicyMode})


def _error_text(exc: Exception) -> str:
    """A service's refusal as one sentence for a message (field names left out: the user sees the form)."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return " ".join(str(m) for ms in exc.message_dict.values() for m in ms)
        return " ".join(exc.messages)
    return str(exc) or _("You do not have permission to do this.")


def _form_text(form) -> str:
    return " ".join(f"{form.fields[name].label if name in form.fields else ''}: {error}".lstrip(": ")
                    for name, errors in form.errors.items() for error in errors)


# --- payments the bank returned (退汇) ---------------------------------------------------------------------

def _repay_form(grant, data=None) -> RepayForm:
    form = RepayForm(data, accounts=selectors.receiving_accounts_active(enterprises=[grant.enterprise]))
    if data is None and grant.bank_account_no in dict(form.fields["bank_account_no"].choices):
        form.initial["bank_account_no"] = grant.bank_account_no
    return form


@login_required
@require_POST
def grant_repay(request, pk: int):
    """A funds officer pays a returned grant again, to a registered account the officer picks."""
    grant = _found(selectors.grant_get, user=request.user, pk=pk)
    form = _repay_form(grant, request.POST)
    if not form.is_valid():
        messages.error(request, _form_text(form))
        return redirect("subsidies:grant_detail", pk=grant.pk)
    try:
        grant = services.grant_payment_repay(grant=grant, actor=request.user,
                                             bank_account_no=form.cleaned_data["bank_account_no"])
    except (ValidationError, PermissionDenied, Conflict) as exc:
        messages.error(request, _error_text(exc))
    else:
        if grant.state == GrantState.PAID:
            messages.success(request, _("Paid again: the bank confirmed the payment."))
        else:
            messages.error(request, grant.reason)
    return redirect("subsidies:grant_detail", pk=grant.pk)


# --- recovery (追回) ------------------------------------------------------------------------------------

@login_required
@require_POST
def recovery_request(request, pk: int):
    """A funds officer asks to recover a paid grant, saying why; a second one decides."""
    grant = _found(selectors.grant_get, user=request.user, pk=pk)
    form = RecoveryRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_text(form))
    else:
        try:
            services.recovery_request(grant=grant, reason=form.cleaned_data["reason"], actor=request.user)
        except (ValidationError, PermissionDenied, Conflict) as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Recovery asked for: a second funds officer must approve it."))
    return redirect("subsidies:grant_detail", pk=grant.pk)


@login_required
@require_POST
def recovery_decide(request, pk: int):
    recovery = _found(selectors.recovery_get, user=request.user, pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_text(form))
    else:
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.recovery_decide(recovery=recovery, actor=request.user, approve=approve,
                                     note=form.cleaned_data["note"])
        except (ValidationError, PermissionDenied, Conflict) as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Recovery approved: the enterprise was told and owes the money back.")
                             if approve else _("Recovery refused: the grant stays paid."))
    return redirect("subsidies:grant_detail", pk=recovery.grant_id)


@login_required
@require_POST
def recovery_repayment(request, pk: int):
    """A funds officer records money paid back (the bank-statement match will call the same service)."""
    grant = _found(selectors.grant_get, user=request.user, pk=pk)
    form = RepaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_text(form))
    else:
        try:
            repayment = services.recovery_repayment_record(grant=grant, amount=to_fen(form.cleaned_data["amount"]),
                                                           reference=form.cleaned_data["reference"],
                                                           actor=request.user)
        except (ValidationError, PermissionDenied, Conflict) as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Repayment %(reference)s recorded: %(owed)s yuan still owed.") % {
                "reference": repayment.reference, "owed": f"{repayment.recovery.outstanding / 100:,.2f}"})
    return redirect("subsidies:grant_detail", pk=grant.pk)


@login_required
def recovery_list(request):
    _officials_only(request)
    state = request.GET.get("state", "")
    state = state if state in RecoveryState.values else ""
    return render(request, "subsidies/recovery_list.html", {
        "recoveries": selectors.recovery_list(user=request.user, state=state)[:200], "state": state,
        "states": RecoveryState.choices})


# --- objections (申诉) ----------------------------------------------------------------------------------

@login_required
def objection_new(request, pk: int):
    """The enterprise reads why its grant was refused and objects, with evidence (phone-first)."""
    grant = _found(selectors.grant_get, user=request.user, pk=pk)
    form = ObjectionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        files = [Upload(name=f.name, data=f.read()) for f in form.cleaned_data["files"]]
        try:
            services.objection_file(grant=grant, user=request.user, reason=form.cleaned_data["reason"], files=files)
        except (ValidationError, PermissionDenied, Conflict) as exc:
            if isinstance(exc, ValidationError):
                add_service_errors(form, exc)
            else:
                form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("Your objection was sent: the funds office will decide it and tell you here."))
            return redirect("subsidies:enterprise_home")
    return render(request, "subsidies/objection_form.html", {
        "grant": grant, "form": form, "explained": selectors.refusal_explained(grant),
        "due": services.objection_due(grant)}, status=400 if form.errors else 200)


@login_required
@require_POST
def objection_decide(request, pk: int):
    objection = _found(selectors.objection_get, user=request.user, pk=pk)
    form = ObjectionDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_text(form))
    else:
        uphold = form.cleaned_data["decision"] == "uphold"
        try:
            objection = services.objection_decide(objection=objection, actor=request.user, uphold=uphold,
                                                  note=form.cleaned_data["note"])
        except (ValidationError, PermissionDenied, Conflict) as exc:
            messages.error(request, _error_text(exc))
        else:
            if uphold:
                messages.success(request, _("Objection upheld; the grant is now: %(state)s.") % {
                    "state": GrantState(objection.outcome).label})
            else:
                messages.success(request, _("Objection dismissed; the enterprise was told why."))
    return redirect("subsidies:grant_detail", pk=objection.grant_id)


@login_required
def objection_list(request):
    _officials_only(request)
    state = request.GET.get("state", ObjectionState.OPEN)
    state = state if state in ObjectionState.values else ""
    return render(request, "subsidies/objection_list.html", {
        "objections": selectors.objection_list(user=request.user, state=state)[:200], "state": state,
        "states": ObjectionState.choices})


@login_required
def objection_file(request, pk: int):
    """An evidence file, to the enterprise that sent it and the officials of its region; served as the type
    sniffed when it was uploaded, never guessed again by the browser."""
    evidence = _found(selectors.objection_file_get, user=request.user, pk=pk)
    response = FileResponse(evidence.file.open("rb"), content_type=evidence.content_type,
                            as_attachment=evidence.content_type == "application/pdf", filename=evidence.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- accounting vouchers (记账凭证) -------------------------------------------------------------------

@login_required
def voucher_export(request):
    """City funds officers pick a date range and download the vouchers as CSV or Excel."""
    if not vouchers.can_export_vouchers(request.user):
        raise PermissionDenied(_("Only the city's funds officers export the accounting vouchers."))
    form = VoucherForm(request.GET or None)
    if request.GET and form.is_valid():
        data = form.cleaned_data
        found = vouchers.voucher_list(start=data["start"], end=data["end"])
        name = f"vouchers-{data['start']:%Y%m%d}-{data['end']:%Y%m%d}"
        if data["format"] == "csv":
            response = HttpResponse(vouchers.vouchers_csv(found), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        else:
            response = HttpResponse(vouchers.vouchers_xlsx(found), content_type=(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
            response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    preview = []
    if not request.GET:
        today = timezone.localdate()
        form = VoucherForm(initial={"start": today.replace(day=1), "end": today, "format": "xlsx"})
        preview = vouchers.voucher_list(start=today, end=today)
    return render(request, "subsidies/vouchers.html", {"form": form, "preview": preview},
                  status=400 if form.errors else 200)
