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
