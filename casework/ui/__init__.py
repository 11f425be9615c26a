"""The casework pages of a centre's host: dashboard, first-contact desk, case files, documents and
manager views. Views are thin: they parse a form, call a service or selector, render a template."""
