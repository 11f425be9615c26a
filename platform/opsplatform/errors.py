"""Domain errors: a stable code, a message a clerk understands (Polish), the fields concerned and
the HTTP status the API answers with. Services raise these; they never raise HTTP errors."""


class DomainError(Exception):
    code = "error"
    http_status = 400
    default_message = "Nie można wykonać tej operacji."

    def __init__(
        self,
        message: str | None = None,
        *,
        fields: dict[str, list[str]] | None = None,
        code: str | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.fields = fields or {}
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
    default_message = "Dane zawierają błędy – popraw zaznaczone pola."


class NotAllowed(DomainError):
    code = "permission_denied"
    http_status = 403
    default_message = "Nie masz uprawnień do tej operacji."


class NotFound(DomainError):
    code = "not_found"
    http_status = 404
    default_message = "Nie znaleziono."


class Conflict(DomainError):
    code = "conflict"
    http_status = 409
    default_message = "Operacja jest sprzeczna z aktualnym stanem sprawy."


def field_error(field: str, message: str, *, code: str = "invalid") -> ValidationFailed:
    """A validation error about one field."""
    return ValidationFailed(message, fields={field: [message]}, code=code)
