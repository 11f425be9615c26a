from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenants.selectors import (
    centre_list_for_portal_user,
)


@login_required
def portal_home(request: HttpRequest) -> HttpResponse:
    """The portal's start page: a coordinator's named centres; the ministry's entry points."""
    return render(
        request,
        "tenants/portal_home.html",
        {"centres": centre_list_for_portal_user(user=request.user)},
    )
