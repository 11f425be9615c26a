"""The interface language: Polish unless the user chose English with the switch in the header.

Django's LocaleMiddleware would also follow the browser's Accept-Language, so a clerk whose
browser happens to be set to English would get an English interface nobody asked for. Here only
the cookie written by the switch (/i18n/setlang/) counts.

The API (``/api/``) promises Polish messages to its clients whatever cookie a browser session
carries: there the language is always ``LANGUAGE_CODE``."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


class ChosenLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if request.path.startswith("/api/") or chosen not in self.available:
            language = settings.LANGUAGE_CODE
        else:
            language = chosen
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response
