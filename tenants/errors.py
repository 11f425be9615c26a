"""Domain errors of the tenants app, each with a stable code, a Polish message and the fields."""

from opsplatform.errors import DomainError


class TenantsError(DomainError):
    code = "tenants_error"


class CentreInvalid(TenantsError):
    code = "centre_invalid"


class ProvisioningFailed(TenantsError):
    code = "provisioning_failed"
