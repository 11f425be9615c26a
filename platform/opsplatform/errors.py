"""Domain errors: a stable code, a message a clerk understands, the fields concerned and the HTTP
status the API answers with. Services raise these; they never raise HTTP errors.

Messages are Polish texts marked for translation (``gettext`` where they are raised): a service
runs in its request's language, so a page in English shows the English text while the API, whose
language is always Polish (opsplatform.language), answers in Polish. A lazy text given here is
turned into a string when the error is raised, in the language active then."""

from collections.abc import Mapping, Sequence

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "error"
    http_status = 400
    default_message: str | Promise = _("Nie można wykonać tej operacji.")

    def __init__(
        self,
        message: str | Promise | None = None,
        *,
        fields: Mapping[str, Sequence[str | Promise]] | None = None,
        code: str | None = None,
    ) -> None:
        self.message = str(message or self.default_message)
        self.fields: dict[str, list[str]] = {
            name: [str(text) for text in messages] for name, messages in (fields or {}).items()
        }
        if code:
            self.code = code
        super().__init__(self.message)

    def __str__(self) -> str:
        if not self.fields:
            return self.message
        details = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in self.fields.items())
        return f"{self.message} ({details})"


class ValidationFailed(DomainError):
    code = "invalid"
    http_status = 400
    default_message = _("Dane zawierają błędy – popraw zaznaczone pola.")


class NotAllowed(DomainError):
    code = "permission_denied"
    http_status = 403
    default_message = _("Nie masz uprawnień do tej operacji.")


class NotFound(DomainError):
    code = "not_found"
    http_status = 404
    default_message = _("Nie znaleziono.")


class Conflict(DomainError):
    code = "conflict"
    http_status = 409
    default_message = _("Operacja jest sprzeczna z aktualnym stanem sprawy.")


def field_error(field: str, message: str | Promise, *, code: str = "invalid") -> ValidationFailed:
    """A validation error about one field."""
    return ValidationFailed(message, fields={field: [message]}, code=code)
