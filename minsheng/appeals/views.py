"""Appeals pages: thin views that parse a form, call one service and render or redirect.

Action views answer with a message and go back to the page the form was on; a refused or stale
action (ValidationError, Conflict, PermissionDenied) becomes a clear message, never a 500.
"""

from functools import wraps
from urllib.parse import unquote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from minsheng.audit.services import client_ip
from minsheng.conflicts import Conflict
from minsheng.org.choices import RegionLevel, Role
from minsheng.org.models import Region
from minsheng.org.scope import user_scope
from minsheng.service_errors import add_service_errors

from . import disclosure, forms, selectors, services
from .choices import LegRole, RequestKind, State
from .models import Appeal, DispatchCatalogue, LegRequest, SupervisionNotice


# --- helpers ---------------------------------------------------------------------------------------
def role_required(*allowed: str):
    """The page is for these roles (administrators pass too)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not user_scope(request.user).has_role(*allowed, Role.ADMIN):
                raise PermissionDenied(_("Your role does not open this page."))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _back(request, fallback: str):
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def _message_for(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return " ".join(str(m) for errors in exc.message_dict.values() for m in errors)
        return " ".join(str(m) for m in exc.messages)
    return str(exc) or _("You do not have permission to do this.")


def action_view(*allowed: str, fallback: str = "home"):
    """A POST that performs one action and goes back with a message (success or why not)."""

    def decorator(view):
        @require_POST
        @role_required(*allowed)
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                done = view(request, *args, **kwargs)
            except (ValidationError, Conflict, PermissionDenied) as exc:
                messages.error(request, _message_for(exc))
            else:
                if done:
                    messages.success(request, done)
            return _back(request, reverse(fallback))

        return wrapper

    return decorator


def _valid(form) -> dict:
    if not form.is_valid():
        raise ValidationError({field: [str(e) for e in errors] for field, errors in form.errors.items()})
    return form.cleaned_data


def _appeal_for(request, pk: int, action: str = "write") -> Appeal:
    try:
        return selectors.appeal_get(user=request.user, pk=pk, action=action)
    except Appeal.DoesNotExist as exc:
        raise Http404 from exc


def _leg_for(request, pk: int):
    try:
        return selectors.leg_get(user=request.user, pk=pk)
    except Exception as exc:
        raise Http404 from exc


CENTRE = (Role.CALL_AGENT, Role.DISPATCHER, Role.REVIEWER, Role.CALLBACK_AGENT, Role.SUPERVISOR, Role.LEADER)
UNIT = (Role.UNIT_HANDLER, Role.UNIT_HEAD)


# --- intake ------------------------------------------------------------------------------------
@role_required(Role.CALL_AGENT, Role.DISPATCHER)
def intake(request):
    form = forms.IntakeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appeal = services.appeal_register(
                actor=request.user, kind=data["kind"], channel=data["channel"], category=data["category"],
                region=data["region"], content=data["content"], title=data["title"], address=data["address"],
                lng=data["lng"], lat=data["lat"], caller_name=data["caller_name"],
                caller_mobile=data["caller_mobile"], anonymous=data["anonymous"], urgent=data["urgent"],
                urgency=data["urgency"], attachments=forms.uploads_from(data["attachments"]),
                answer_at_intake=data["answer_now"], article=data["article"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("appeals:receipt", number=appeal.number)
    return render(request, "appeals/intake.html", {"form": form})


@require_GET
@role_required(Role.CALL_AGENT, Role.DISPATCHER)
def caller_history(request):
    mobile = request.GET.get("caller_mobile", "").strip()
    appeals = selectors.appeals_by_mobile(user=request.user, mobile=mobile)
    return render(request, "appeals/partials/caller_history.html", {"appeals": appeals, "mobile": mobile})


@require_GET
@login_required
def category_options(request):
    categories = selectors.category_search(query=request.GET.get("category_q", ""), limit=200)
    return render(request, "appeals/partials/category_options.html", {"categories": categories})


@require_GET
@login_required
def region_options(request):
    parent_id = request.GET.get("district") or request.GET.get("town") or ""
    level = RegionLevel.TOWN if "district" in request.GET else RegionLevel.COMMUNITY
    regions = Region.objects.filter(parent_id=int(parent_id), level=level) if parent_id.isdigit() else []
    return render(request, "appeals/partials/region_options.html", {"regions": regions})


@require_GET
@login_required
def knowledge_hits(request):
    articles = selectors.knowledge_search(query=request.GET.get("knowledge_q", ""), limit=8)
    return render(request, "appeals/partials/knowledge_hits.html", {"articles": articles})


@login_required
def receipt(request, number: str):
    try:
        appeal = selectors.appeal_get(user=request.user, number=number)
    except Appeal.DoesNotExist as exc:
        raise Http404 from exc
    is_centre = user_scope(request.user).has_role(Role.CALL_AGENT, Role.DISPATCHER)
    return render(request, "appeals/receipt.html", {"appeal": appeal, "is_centre": is_centre})


@role_required(Role.CALL_AGENT, Role.DISPATCHER)
def knowledge(request):
    form = forms.KnowledgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.knowledge_save(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Article saved."))
            return redirect("appeals:knowledge")
    query = request.GET.get("q", "")
    return render(request, "appeals/knowledge.html",
                  {"form": form, "articles": selectors.knowledge_search(query=query, limit=100), "q": query})


# --- dispatch ------------------------------------------------------------------------------------
@role_required(Role.DISPATCHER)
def dispatch_queue(request):
    queue = selectors.dispatch_queue(user=request.user)
    suggestions = selectors.catalogue_matches(places=[(a.category, a.region) for a in queue["registered"]])
    rows = []
    for appeal in queue["registered"]:
        matches = suggestions[appeal.category_id, appeal.region_id]
        suggestion = matches[0] if matches else None
        initial = {"version": appeal.version}
        if suggestion:
            initial |= {"lead_unit": suggestion.lead_unit_id,
                        "assist_units": [u.pk for u in suggestion.assist_units.all()]}
        rows.append({"appeal": appeal, "suggestion": suggestion, "ambiguous": len(matches) > 1,
                     "form": forms.DispatchForm(initial=initial, prefix=f"a{appeal.pk}"),
                     "merge": forms.MergeForm(initial={"version": appeal.version}, prefix=f"m{appeal.pk}")})
    returns = [{"appeal": a, "leg": next((leg for leg in a.legs.all() if leg.state == "return_pending"), None),
                "form": forms.ReturnDecisionForm(initial={"version": a.version}, prefix=f"r{a.pk}")}
               for a in queue["returned"]]
    forms.unit_choices_shared([row["form"] for row in rows + returns])
    return render(request, "appeals/dispatch_queue.html",
                  {"rows": rows, "returns": returns, "requests": queue["requests"],
                   "decision_form": forms.DecisionForm()})


@action_view(Role.DISPATCHER, fallback="appeals:dispatch_queue")
def dispatch(request, pk: int):
    appeal = _appeal_for(request, pk)
    data = _valid(forms.DispatchForm(request.POST, prefix=f"a{pk}"))
    appeal = services.appeal_dispatch(actor=request.user, appeal=appeal, lead_unit=data["lead_unit"],
                                      assist_units=list(data["assist_units"]), note=data["note"],
                                      version=data["version"])
    return _("Case %(number)s dispatched to %(unit)s.") % {"number": appeal.number, "unit": appeal.lead_unit}


@action_view(Role.DISPATCHER, fallback="appeals:dispatch_queue")
def return_decide(request, pk: int):
    appeal = _appeal_for(request, pk)
    data = _valid(forms.ReturnDecisionForm(request.POST, prefix=f"r{pk}"))
    services.return_decide(actor=request.user, appeal=appeal, accept=data["accept"], reason=data["reason"],
                           lead_unit=data["lead_unit"], version=data["version"])
    return _("Return decided.")


@action_view(Role.DISPATCHER, fallback="appeals:dispatch_queue")
def merge(request, pk: int):
    appeal = _appeal_for(request, pk)
    data = _valid(forms.MergeForm(request.POST, prefix=f"m{pk}"))
    try:
        parent = selectors.appeal_get(user=request.user, number=data["parent"].strip().upper())
    except Appeal.DoesNotExist:
        raise ValidationError({"parent": _("No case %(number)s in your area.") % {"number": data["parent"]}}) \
            from None
    services.appeal_merge(actor=request.user, appeal=appeal, parent=parent, reason=data["reason"],
                          version=data["version"])
    return _("Merged into %(number)s.") % {"number": parent.number}


@action_view(Role.DISPATCHER, Role.SUPERVISOR, fallback="appeals:dispatch_queue")
def request_decide(request, pk: int):
    leg_request = get_object_or_404(LegRequest.objects.select_related("leg"), pk=pk)
    _appeal_for(request, leg_request.leg.appeal_id)
    data = _valid(forms.DecisionForm(request.POST))
    decide = services.extension_decide if leg_request.kind == RequestKind.EXTENSION else services.suspension_decide
    decide(actor=request.user, request=leg_request, approve=data["approve"], note=data["note"])
    return _("Decision recorded.")


@action_view(Role.DISPATCHER, Role.SUPERVISOR, fallback="appeals:dispatch_queue")
def resume(request, pk: int):
    appeal = _appeal_for(request, pk)
    data = _valid(forms.VersionForm(request.POST))
    services.suspension_resume(actor=request.user, appeal=appeal, version=data["version"])
    return _("The case is running again.")


@role_required(Role.DISPATCHER)
def catalogue(request):
    form = forms.CatalogueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.catalogue_set(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Catalogue entry saved."))
            return redirect("appeals:catalogue")
    return render(request, "appeals/catalogue.html", {"form": form, "entries": selectors.catalogue_list()})


@action_view(Role.DISPATCHER, fallback="appeals:catalogue")
def catalogue_remove(request, pk: int):
    services.catalogue_remove(actor=request.user, entry=get_object_or_404(DispatchCatalogue, pk=pk))
    return _("Catalogue entry removed.")


# --- unit inbox ------------------------------------------------------------------------------------
@role_required(*UNIT)
def unit_inbox(request):
    page = selectors.unit_inbox_page(user=request.user, page=request.GET.get("page"))
    for leg in page.object_list:
        leg.warning = selectors.warning_for(leg.appeal)
        if leg.role == LegRole.LEAD:
            leg.assists = leg.appeal.assist_legs
    return render(request, "appeals/unit_inbox.html", {
        "legs": page.object_list, "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "notices": selectors.open_notices_for(user=request.user),
        "return_form": forms.ReturnForm(), "note_form": forms.NoteForm(), "answer_form": forms.AnswerForm(),
        "extension_form": forms.ExtensionForm(), "suspension_form": forms.SuspensionForm(),
    })


@action_view(*UNIT, fallback="appeals:unit_inbox")
def leg_sign(request, pk: int):
    data = _valid(forms.VersionForm(request.POST))
    leg = services.leg_sign(actor=request.user, leg=_leg_for(request, pk), version=data["version"])
    return _("Signed for %(number)s.") % {"number": leg.appeal.number}


@action_view(*UNIT, fallback="appeals:unit_inbox")
def leg_return(request, pk: int):
    data = _valid(forms.ReturnForm(request.POST))
    services.leg_return(actor=request.user, leg=_leg_for(request, pk), reason=data["reason"],
                        legal_basis=data["legal_basis"], version=data["version"])
    return _("Returned to the centre.")


@action_view(*UNIT, fallback="appeals:unit_inbox")
def leg_note(request, pk: int):
    data = _valid(forms.NoteForm(request.POST, request.FILES))
    services.leg_note(actor=request.user, leg=_leg_for(request, pk), text=data["text"],
                      attachments=forms.uploads_from(data["attachments"]), version=data["version"])
    return _("Note recorded.")


@action_view(*UNIT, fallback="appeals:unit_inbox")
def leg_answer(request, pk: int):
    data = _valid(forms.AnswerForm(request.POST, request.FILES))
    appeal = services.appeal_answer(actor=request.user, leg=_leg_for(request, pk), text=data["text"],
                                    attachments=forms.uploads_from(data["attachments"]), version=data["version"])
    return _("Answer sent for review: %(number)s.") % {"number": appeal.number}


@action_view(*UNIT, fallback="appeals:unit_inbox")
def leg_extension(request, pk: int):
    data = _valid(forms.ExtensionForm(request.POST))
    services.extension_request(actor=request.user, leg=_leg_for(request, pk), days=data["days"],
                               reason=data["reason"], version=data["version"])
    return _("Extension requested.")


@action_view(*UNIT, fallback="appeals:unit_inbox")
def leg_suspension(request, pk: int):
    data = _valid(forms.SuspensionForm(request.POST))
    services.suspension_request(actor=request.user, leg=_leg_for(request, pk), reason=data["reason"],
                                version=data["version"])
    return _("Suspension requested.")


@action_view(*UNIT, fallback="appeals:unit_inbox")
def notice_acknowledge(request, pk: int):
    services.supervision_acknowledge(actor=request.user, notice=get_object_or_404(SupervisionNotice, pk=pk))
    return _("Acknowledged.")


# --- review and callback ------------------------------------------------------------------------------
@role_required(Role.REVIEWER)
def review_queue(request):
    return render(request, "appeals/review_queue.html", {
        "appeals": selectors.review_queue(user=request.user), "form": forms.ReviewForm(),
        "suggestion_form": forms.SuggestionCloseForm()})


@action_view(Role.REVIEWER, fallback="appeals:review_queue")
def review(request, pk: int):
    data = _valid(forms.ReviewForm(request.POST))
    appeal = services.answer_review(actor=request.user, appeal=_appeal_for(request, pk), passed=data["passed"],
                                    reason=data["reason"], version=data["version"])
    return _("Reviewed %(number)s.") % {"number": appeal.number}


@action_view(Role.REVIEWER, Role.DISPATCHER, fallback="appeals:review_queue")
def suggestion_close(request, pk: int):
    data = _valid(forms.SuggestionCloseForm(request.POST))
    services.suggestion_close(actor=request.user, appeal=_appeal_for(request, pk), outcome=data["outcome"],
                              note=data["note"], version=data["version"])
    return _("Suggestion closed.")


@role_required(Role.CALLBACK_AGENT)
def callback_queue(request):
    appeals = selectors.callback_queue(user=request.user)
    return render(request, "appeals/callback_queue.html", {"appeals": appeals, "form": forms.CallbackForm()})


@action_view(Role.CALLBACK_AGENT, fallback="appeals:callback_queue")
def callback(request, pk: int):
    data = _valid(forms.CallbackForm(request.POST))
    appeal = services.callback_record(
        actor=request.user, appeal=_appeal_for(request, pk), reached=data["reached"],
        satisfaction=data["satisfaction"], resolved=data["resolved"],
        dissatisfied_reason=data["dissatisfied_reason"], comment=data["comment"], version=data["version"])
    return _("Callback recorded: %(number)s is now %(state)s.") % {"number": appeal.number,
                                                                   "state": appeal.get_state_display()}


# --- supervision ------------------------------------------------------------------------------------
@role_required(Role.SUPERVISOR, Role.LEADER)
def supervision(request):
    overview = selectors.supervision_overview(user=request.user)
    for appeal in overview["overdue"] + overview["soon"]:
        appeal.warning = selectors.warning_for(appeal)
    return render(request, "appeals/supervision.html", {
        **overview, "form": forms.SupervisionForm(), "instruction_form": forms.InstructionForm(),
        "is_leader": user_scope(request.user).has_role(Role.LEADER)})


@action_view(Role.SUPERVISOR, fallback="appeals:supervision")
def supervise(request, pk: int):
    data = _valid(forms.SupervisionForm(request.POST))
    services.supervision_issue(actor=request.user, appeal=_appeal_for(request, pk), kind=data["kind"],
                               instructions=data["instructions"])
    return _("Notice issued.")


@action_view(Role.LEADER, fallback="appeals:supervision")
def instruct(request, pk: int):
    data = _valid(forms.InstructionForm(request.POST))
    services.leader_instruct(actor=request.user, appeal=_appeal_for(request, pk, action="read"),
                             text=data["text"])
    return _("Instruction recorded.")


# --- one case ----------------------------------------------------------------------------------------
@login_required
def detail(request, number: str):
    try:
        appeal = selectors.appeal_get(user=request.user, number=number)
    except Appeal.DoesNotExist as exc:
        raise Http404 from exc
    scope = user_scope(request.user)
    # A citizen sees the state changes of their own case, not the centre's internal notes and names.
    public = not scope.is_superuser and scope.roles <= {Role.CITIZEN, Role.ENTERPRISE}
    events = selectors.public_timeline(appeal=appeal) if public else selectors.appeal_timeline(appeal=appeal)
    return render(request, "appeals/detail.html", {
        "appeal": appeal, "legs": selectors.appeal_legs(appeal=appeal), "public": public,
        "events": events, "warning": selectors.warning_for(appeal),
        "mobile": selectors.caller_mobile_for(user=request.user, appeal=appeal),
        "may_reveal": selectors.may_reveal_mobile(user=request.user),
        "attachments": appeal.attachments.all(), "callbacks": appeal.callbacks.all(),
        "notices": appeal.supervision_notices.all(), "instructions": appeal.instructions.all(),
        "children": appeal.children.all(),
        "is_leader": scope.has_role(Role.LEADER), "is_supervisor": scope.has_role(Role.SUPERVISOR),
        "instruction_form": forms.InstructionForm(), "supervision_form": forms.SupervisionForm(),
    })


@require_POST
@login_required
def reveal_mobile(request, number: str):
    """Show the caller's full number to a role that needs it; the view is audited."""
    try:
        appeal = selectors.appeal_get(user=request.user, number=number)
    except Appeal.DoesNotExist as exc:
        raise Http404 from exc
    if not selectors.may_reveal_mobile(user=request.user):
        raise PermissionDenied(_("Your role may not see full phone numbers."))
    reason = request.POST.get("reason") or unquote(request.headers.get("HX-Prompt", ""))
    try:
        mobile = selectors.caller_mobile_for(user=request.user, appeal=appeal, reveal=True, reason=reason,
                                             ip=client_ip(request))
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400, content_type="text/plain; charset=utf-8")
    return HttpResponse(mobile, content_type="text/plain; charset=utf-8")


@login_required
def attachment(request, pk: int):
    from .models import Attachment

    item = get_object_or_404(Attachment, pk=pk)
    if not selectors.appeal_visible(user=request.user).filter(pk=item.appeal_id).exists():
        raise Http404
    response = HttpResponse(item.file.open("rb").read(), content_type=item.content_type)
    response["Content-Disposition"] = f'inline; filename="{item.pk}.{item.file.name.rsplit(".", 1)[-1]}"'
    return response


# --- citizens and the public --------------------------------------------------------------------------
@role_required(Role.CITIZEN, Role.ENTERPRISE)
def citizen_new(request):
    form = forms.CitizenAppealForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appeal = services.appeal_register(
                actor=request.user, kind=data["kind"], channel="web", category=data["category"],
                region=data["region"], content=data["content"], title=data["title"], address=data["address"],
                caller_name=request.user.display_name, caller_mobile=request.user.mobile,
                attachments=forms.uploads_from(data["attachments"]))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("appeals:receipt", number=appeal.number)
    return render(request, "appeals/citizen_new.html", {"form": form})


@role_required(Role.CITIZEN, Role.ENTERPRISE)
def citizen_list(request):
    appeals = selectors.citizen_appeals(user=request.user)
    return render(request, "appeals/citizen_list.html", {"appeals": appeals})


def follow(request):
    """The public follow page: case number + query code, no login."""
    form = forms.FollowForm(request.GET or None)
    appeal = events = None
    if form.is_valid():
        try:
            appeal = selectors.appeal_by_query_code(number=form.cleaned_data["number"],
                                                    query_code=form.cleaned_data["code"])
            events = selectors.public_timeline(appeal=appeal)
        except Appeal.DoesNotExist:
            form.add_error(None, _("No case matches this number and query code."))
    return render(request, "appeals/follow.html", {
        "form": form, "appeal": appeal, "events": events,
        "answer": disclosure.public_text(appeal.answer) if appeal is not None else "",
        "show_answer": appeal is not None and appeal.state in (State.CALLBACK, State.CLOSED, State.MERGED)})


