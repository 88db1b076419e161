"""A service's ValidationError shown on the form that asked for the change, for every app's pages."""

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """On the field the service names where the form has it, else at the top of the form (Django's
    own ``add_error`` refuses a field name the form does not have)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class DomainErrorMiddleware:
    """The safety net behind every page: a service's refusal that a view did not catch (an invalid input,
    a conflict with someone else's change, a calendar problem) is shown as a page that says why, with
    the status it deserves — never a 500. Views that have a form catch these themselves and show the
    form again with the input kept; this only catches what they missed. The API has its own handlers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.shortcuts import render
        from django.utils.http import url_has_allowed_host_and_scheme
        from django.utils.translation import gettext as _

        from minsheng.conflicts import Conflict

        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, ValidationError):
            status, message = 400, " ".join(
                str(m) for m in (exception.messages if not hasattr(exception, "error_dict")
                                 else [m for ms in exception.message_dict.values() for m in ms]))
        elif isinstance(exception, Conflict):
            status, message = 409, str(exception)
        else:
            return None
        back = request.META.get("HTTP_REFERER", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            back = ""
        return render(request, "errors/domain.html", {
            "message": message or _("The request could not be carried out."), "back": back}, status=status)
