"""The parts of ``deploy/devservices.py`` (the command-line entry point the Makefile calls):
``common`` (paths, ports, processes), ``postgres`` (the embedded server, or the one in
DATABASE_URL) and ``redis_server`` (the embedded redis-server, or the one in REDIS_URL)."""
