"""Every write of casework, one module per area. Each function is ``<entity>_<action>``, takes
keyword-only arguments (``user`` is who acts), checks the role's capability and the domain rules,
and raises ``opsplatform.errors`` domain errors naming the fields in Polish."""
