"""Shared pieces of the server-rendered web interface: navigation, access checks for views and the
bridge from domain errors to inline form errors. Every app's pages build on these."""
