"""Centres (tenants): the public registry of centres and their reorganisation programmes, domains,
provisioning from the versioned registry file, accounts, and each centre's org structure."""
