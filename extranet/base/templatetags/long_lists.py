"""Two of the admin's slow parts, same HTML for less.

- ``{% long_result_list cl %}``: Django's ``{% result_list cl %}`` (same template) with the rows
  written by the changelist when it can (``LongListChangeList.result_rows`` in
  extranet.base.admin, each column worked out once per page); any other list renders as
  Django's. templates/admin/change_list.html uses it for every list.
- ``{% sidebar_app_list available_apps %}``: the navigation sidebar's list of models
  (templates/admin/nav_sidebar.html), rendered once and kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from django import template
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.core.signals import setting_changed
from django.utils.translation import get_language

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


# The sidebar of every admin page lists the ~35 models the staff member may see: rendered once
# for each list of apps, page path and language, then served from here (what Django's template
# reads from the context is the key, so the HTML is the same).
_SIDEBARS: OrderedDict[tuple, str] = OrderedDict()
_SIDEBARS_KEPT = 256
_SIDEBARS_LOCK = threading.Lock()


def _sidebar_key(apps, path: str) -> tuple:
    return (
        get_language(),
        path,
        tuple(
            (
                app["app_label"],
                app["app_url"],
                str(app["name"]),
                tuple(
                    (
                        model["object_name"],
                        str(model["name"]),
                        model.get("admin_url"),
                        model.get("add_url"),
                        model.get("view_only"),
                    )
                    for model in app["models"]
                ),
            )
            for app in apps
        ),
    )


@register.simple_tag(takes_context=True)
def sidebar_app_list(context, apps) -> str:
    """``{% include 'admin/app_list.html' with app_list=apps show_changelinks=False %}``, kept."""
    request = context.get("request")
    key = _sidebar_key(apps, request.path if request is not None else "")
    html = _SIDEBARS.get(key)
    if html is None:
        template = context.template.engine.get_template("admin/app_list.html")
        with context.push(app_list=apps, show_changelinks=False):
            html = template.render(context)
        with _SIDEBARS_LOCK:
            _SIDEBARS[key] = html
            while len(_SIDEBARS) > _SIDEBARS_KEPT:
                _SIDEBARS.popitem(last=False)
    return html


def _forget_sidebars(**kwargs) -> None:
    with _SIDEBARS_LOCK:
        _SIDEBARS.clear()  # the URLs or the translations may have changed


setting_changed.connect(_forget_sidebars)
