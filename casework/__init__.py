"""Casework: the shared model used inside every centre's schema (people, households, intake,
benefit proceedings, social work, services, deadlines, audit trail), its services, API and UI.

Owns the metrics contract module through which benchmarking receives aggregates.
"""
