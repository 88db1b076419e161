"""Template context: the signed-in person's roles, and the calendar warning for administrators."""

from .choices import Role
from .scope import user_scope


def roles(request):
    user = getattr(request, "user", None)
    scope = user_scope(user)
    context = {"user_roles": scope.roles, "is_admin": scope.has_role(Role.ADMIN)}
    if context["is_admin"]:
        from minsheng.workdays.selectors import calendar_coverage_warning

        context["calendar_warning"] = calendar_coverage_warning()
    return context
