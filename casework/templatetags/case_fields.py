"""``{% load case_fields %}{% form_field field %}``: a form field as ``ui/_field.html`` writes it,
without the template (the case file renders a dozen forms; see opsplatform.ui.forms.render_field).
"""

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

from opsplatform.ui.forms import render_field

register = template.Library()


@register.simple_tag
def form_field(field: BoundField) -> SafeString:
    return render_field(field)
