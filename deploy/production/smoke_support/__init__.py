"""The parts of `make smoke` (deploy/production/smoke.py): its settings and reporting, nginx
installed as its header says, and a user's HTTPS client."""
