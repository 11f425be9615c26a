"""What happens to an account's credentials, for whoever keeps a trail of it (the centre's audit
trail connects to this; tenants knows nothing of casework).

``credentials_event`` is sent with ``sender`` the model concerned (the app, a recovery code set,
an enrolment link, the API tokens), ``user`` the account and ``action`` "create" or "delete".
"""

from django.dispatch import Signal

credentials_event = Signal()
