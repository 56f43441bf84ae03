"""The secretariat's admin home: ``{% staff_dashboard as dashboard %}`` (extranet.shell.dashboard)."""

from django import template

from extranet.shell.dashboard import Dashboard, staff_dashboard

register = template.Library()


@register.simple_tag(takes_context=True, name="staff_dashboard")
def staff_dashboard_tag(context) -> Dashboard | None:
    request = context.get("request")
    if request is None or not request.user.is_staff:
        return None
    return staff_dashboard(request.user)
