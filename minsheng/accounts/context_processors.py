from django.conf import settings


def sso(request):
    """Whether the sign-in page offers the city's single sign-on."""
    return {"sso_enabled": bool(settings.OIDC_RP_CLIENT_ID)}
