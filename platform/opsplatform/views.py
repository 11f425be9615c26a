from django.views.i18n import set_language as django_set_language

# Django's language switch (POST, CSRF-protected), mounted on every host.
set_language = django_set_language
