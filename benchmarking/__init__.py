"""Benchmarking: metric definitions, snapshots in the public schema, disclosure control,
comparisons and ministry exports. Never imports casework models: it receives aggregates through
casework's metrics contract module only."""
