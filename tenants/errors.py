"""Domain errors of the tenants app, each with a stable code, a Polish message and the fields."""


class TenantsError(Exception):
    code = "tenants_error"

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    def __str__(self) -> str:
        if not self.fields:
            return self.message
        details = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in self.fields.items())
        return f"{self.message} ({details})"


class CentreInvalid(TenantsError):
    code = "centre_invalid"


class ProvisioningFailed(TenantsError):
    code = "provisioning_failed"
