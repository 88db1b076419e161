"""Django's sign-in signals, written to the audit trail: sign-in, sign-out and failed sign-in."""

from .services import audit_record, client_ip


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    audit_record(actor=user, action="auth.login", obj=user, ip=client_ip(request))


def on_user_logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record(actor=user, action="auth.logout", obj=user, ip=client_ip(request))


def on_user_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django has already replaced the password in ``credentials`` by asterisks; only the name is kept.
    username = str(credentials.get("username", ""))[:150]
    audit_record(actor=None, action="auth.login_failed", summary={"username": username}, ip=client_ip(request))
