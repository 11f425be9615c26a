"""A centre's org structure, in its own schema: teams under the centre's own Polish names, each
mapped to canonical functions, and staff positions."""
