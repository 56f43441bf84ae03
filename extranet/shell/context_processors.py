# The tab a page belongs to, from the first part of its path.
TABS_BY_PREFIX = {
    "accueil": "home",
    "famille": "family",
    "documents": "family",
    "eleves": "students",
    "facturation": "billing",
    "accessibilite": "accessibility",
    "mot-de-passe": "password",
}


def portal(request):
    """The current tab and the family acting in the portal, for the shell template."""
    first = request.path_info.strip("/").split("/", 1)[0]
    return {
        "current_tab": TABS_BY_PREFIX.get(first, ""),
        "portal_family": getattr(request, "family", None),
        "portal_guardian": getattr(request, "guardian", None),
        "portal_households": getattr(request, "households", []),
    }
