from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenants.selectors import (
    centre_for_request,
    centre_list_for_portal_user,
    team_list_with_staffing,
)


@login_required
def centre_home(request: HttpRequest) -> HttpResponse:
    """A centre's start page: who is logged in and the centre's org structure."""
    centre = centre_for_request(request)
    return render(
        request,
        "tenants/centre_home.html",
        {
            "centre": centre,
            "programme": centre.programme if centre else None,
            "teams": team_list_with_staffing(),
        },
    )


@login_required
def portal_home(request: HttpRequest) -> HttpResponse:
    """The portal's start page: a coordinator's named centres; the ministry's entry points."""
    return render(
        request,
        "tenants/portal_home.html",
        {"centres": centre_list_for_portal_user(user=request.user)},
    )
