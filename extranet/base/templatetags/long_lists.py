"""``{% long_result_list cl %}``: Django's ``{% result_list cl %}`` (same template, same HTML) with
the rows written by the changelist when it can (``LongListChangeList.result_rows`` in
extranet.base.admin, each column worked out once per page); any other list renders as Django's.
templates/admin/change_list.html uses it for every list."""

from __future__ import annotations

from django import template
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.base import InclusionAdminNode

register = template.Library()


def long_result_list(cl):
    rows = cl.result_rows() if hasattr(cl, "result_rows") else None
    if rows is None:
        return admin_list.result_list(cl)
    headers = list(admin_list.result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(admin_list.result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for header in headers if header["sortable"] and header["sorted"]),
        "results": rows,
    }


@register.tag(name="long_result_list")
def long_result_list_tag(parser, token):
    return InclusionAdminNode(
        parser, token, func=long_result_list, template_name="change_list_results.html", takes_context=False
    )
