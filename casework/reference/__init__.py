"""National reference dictionaries shared by every centre (public schema): the dated art. 7
dictionary of reasons for help, the dated income criterion and the benefit types.

Centres' tables refer to entries by code, never by foreign key, so a centre's schema stays
self-contained (backups, Citus); services check that a code is valid on the date it is used.
"""
