"""Every read of casework that checks access or builds a list, one module per area."""
