"""The home page (what each role can do) and the health check."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from .capabilities import capabilities_for
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
