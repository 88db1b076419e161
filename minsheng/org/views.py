"""The home page (what each role can do), the health check and the API key page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .capabilities import capabilities_for
from .forms import ApiKeyIssueForm
from .scope import user_scope


@login_required
def home(request):
    scope = user_scope(request.user)
    roles = set(scope.roles)
    if request.user.is_superuser:
        roles.add("admin")
    return render(request, "org/home.html", {"sections": capabilities_for(roles)})


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})


@login_required
def api_keys(request):
    """The person's API keys (an administrator sees everyone's), and a form to issue one: the raw key is shown
    on the answer to that POST only, never stored and never shown again."""
    scope = user_scope(request.user)
    if not scope.grants and not request.user.is_superuser:
        raise PermissionDenied(_("Your account has no role to give a key."))
    form = ApiKeyIssueForm(request.POST or None, user=request.user)
    issued = raw = None
    if request.method == "POST" and form.is_valid():
        try:
            issued, raw = services.api_key_issue(name=form.cleaned_data["name"],
                                                 membership=form.cleaned_data["membership"],
                                                 expires_at=form.expires_at(), actor=request.user)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form = ApiKeyIssueForm(user=request.user)
    response = render(request, "org/api_keys.html", {
        "form": form, "issued": issued, "raw": raw, "keys": selectors.api_key_list(user=request.user)})
    response["Cache-Control"] = "no-store"  # the one page that shows a key must not be kept by a browser or proxy
    return response


@require_POST
@login_required
def api_key_revoke(request, pk: int):
    key = get_object_or_404(selectors.api_key_list(user=request.user), pk=pk)
    services.api_key_revoke(key=key, actor=request.user)
    messages.success(request, _("The key %(prefix)s… is revoked.") % {"prefix": key.prefix})
    return redirect("org:api_keys")
