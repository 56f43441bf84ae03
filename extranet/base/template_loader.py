"""Templates compiled once per language, with what never changes worked out once.

Django's cached loader keeps one compiled template per name, and every render then asks gettext
for each ``{% translate "…" %}`` (lazy string, escaping, percent signs: about 19 µs a tag, nearly
half of an almost static page), the URL resolver for each ``{% url 'name' %}`` (about 45 µs) and
the static files storage for each ``{% static 'file' %}`` (about 44 µs). This loader wraps the
cached loader (configured in ``settings.TEMPLATES``) and keeps one template per (name, active
language): Django's own when there is nothing to fold (a render then costs what it costs with
Django), else a ``LanguageTemplate``, holding Django's compiled nodes and a second compilation
in which:

* a constant ``{% translate "literal" %}`` (context literal or none, no ``as``, no filter) is
  its translation, worked out at load time by Django's own node, escaped and unescaped: the
  render's ``autoescape`` picks one (``{% autoescape off %}``, the plain-text emails);
* ``{% url 'name' %}`` without arguments remembers what ``reverse`` answered for the resolver,
  the script prefix and the current application: the same inputs give the same URL;
* ``{% static 'literal' %}`` remembers what the local static files storage answered (its URLs
  depend only on the settings and the manifest it read when it was set up).

A render uses the second compilation only when the active language is the one it was made for;
otherwise (a template fetched before a ``translation.override``) Django's nodes render. Inside
a ``{% language %}`` block nothing is replaced, and a template it includes is fetched in the
block's language. ``{% blocktranslate %}`` and every other tag are left as Django compiled them.
The remembered URLs are forgotten when a setting changes (tests), and the loader's templates when
translations may have changed.
"""

from __future__ import annotations

import weakref

from django.conf import settings
from django.contrib.staticfiles.storage import StaticFilesStorage, staticfiles_storage
from django.core.signals import setting_changed
from django.template import Context, Node, NodeList, Template, Variable
from django.template.defaulttags import URLNode
from django.template.loaders import cached
from django.templatetags.i18n import LanguageNode, TranslateNode
from django.templatetags.static import StaticNode
from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils.functional import empty
from django.utils.html import conditional_escape
from django.utils.translation import get_language

# Settings after which a template loaded earlier may hold another catalogue's translations.
TRANSLATION_SETTINGS = frozenset({"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "INSTALLED_APPS"})


class Loader(cached.Loader):
    """Django's cached loader, one ``LanguageTemplate`` per (name, active language)."""

    def __init__(self, engine, loaders):
        super().__init__(engine, loaders)
        self._checked: set[str] = set()  # cache keys whose template was folded (or had nothing to fold)
        setting_changed.connect(self._setting_changed)  # a weak reference: gone with the engine

    def cache_key(self, template_name, skip=None):
        return f"{super().cache_key(template_name, skip)}:{get_language()}"

    def get_template(self, template_name, skip=None):
        template = super().get_template(template_name, skip)
        if type(template) is Template:  # just compiled by Django (or with nothing to fold)
            key = self.cache_key(template_name, skip)
            if key not in self._checked:
                self._checked.add(key)
                folded = LanguageTemplate(template, get_language())
                if folded.folded_anything:
                    template = self.get_template_cache[key] = folded
        return template

    def reset(self):
        super().reset()
        self._checked = set()

    def _setting_changed(self, *, setting, **kwargs):
        if setting in TRANSLATION_SETTINGS:
            self.reset()


class LanguageTemplate(Template):
    """A template compiled by Django, plus a compilation folded for ``language``."""

    def __init__(self, compiled: Template, language: str | None):
        # Template.__init__ would compile again: take what Django compiled.
        self.name = compiled.name
        self.origin = compiled.origin
        self.engine = compiled.engine
        self.source = compiled.source
        self.language = language
        self.django_nodelist = compiled.nodelist
        folded = self.compile_nodelist()
        self.folded_anything = fold_nodelist(folded, language)
        self.folded_nodelist = FoldedNodeList(folded)

    @property
    def nodelist(self) -> NodeList:
        """What a render (Template._render, ExtendsNode) walks: folded in its language only."""
        return self.folded_nodelist if get_language() == self.language else self.django_nodelist

    @nodelist.setter
    def nodelist(self, value: NodeList) -> None:
        self.django_nodelist = self.folded_nodelist = value


class FoldedNodeList(NodeList):
    """A template's folded nodes, which nothing changes once folded: the nodes of a type are
    listed once (``ExtendsNode`` lists the base template's blocks at every render)."""

    def __init__(self, nodes: NodeList):
        super().__init__(nodes)
        self.contains_nontext = nodes.contains_nontext
        self._by_type: dict = {}

    def get_nodes_by_type(self, nodetype):
        found = self._by_type.get(nodetype)
        if found is None:
            found = self._by_type[nodetype] = super().get_nodes_by_type(nodetype)
        return list(found)


def fold_nodelist(nodelist: NodeList, language: str | None) -> bool:
    """Replace, in place, the constant nodes of ``nodelist`` and of the nodes it holds; whether any was."""
    replaced = False
    for index, node in enumerate(nodelist):
        replacement = _folded(node, language)
        if replacement is not None:
            nodelist[index] = replacement
            replaced = True
        elif not isinstance(node, LanguageNode):  # another language inside: Django's nodes
            for child in _child_nodelists(node):
                replaced = fold_nodelist(child, language) or replaced
    return replaced


def _child_nodelists(node: Node):
    """The node lists a node renders: attributes (``nodelist``, ``nodelist_loop``…) and pairs
    (``IfNode.conditions_nodelists``). A node keeping its children elsewhere is just not folded."""
    for value in vars(node).values():
        if isinstance(value, NodeList):
            yield value
        elif isinstance(value, list | tuple):
            for item in value:
                if isinstance(item, NodeList):
                    yield item
                elif isinstance(item, list | tuple):
                    yield from (part for part in item if isinstance(part, NodeList))


def _literal_string(expression) -> bool:
    """A filter expression that is a quoted string and nothing else."""
    if expression.filters:
        return False
    var = expression.var
    if isinstance(var, Variable):
        return var.lookups is None and isinstance(var.literal, str)
    return isinstance(var, str)


def _folded(node: Node, language: str | None) -> Node | None:
    kind = type(node)
    if kind is TranslateNode:
        if node.asvar or not _literal_string(node.filter_expression):
            return None
        if node.message_context is not None and not _literal_string(node.message_context):
            return None
        return _with_position(node, TranslationNode(node))
    if kind is URLNode:
        if node.args or node.kwargs or not _literal_string(node.view_name):
            return None
        remembered = RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
        remembered.language = language
        return _with_position(node, remembered)
    if kind is StaticNode:
        if not _literal_string(node.path):
            return None
        return _with_position(node, RememberedStaticNode(varname=node.varname, path=node.path))
    return None


def _with_position(source: Node, target: Node) -> Node:
    """Where the tag is in the template, for error pages."""
    for name in ("token", "origin"):
        if hasattr(source, name):
            setattr(target, name, getattr(source, name))
    return target


class TranslationNode(Node):
    """A ``{% translate "literal" %}`` already translated into the active language."""

    child_nodelists = ()

    def __init__(self, original: TranslateNode):
        # Django's own node, rendered once each way: the same string, escaping and percent signs.
        self.escaped = original.render(Context(autoescape=True))
        self.unescaped = original.render(Context(autoescape=False))

    def __repr__(self):
        return f"<{self.__class__.__qualname__}: {self.escaped!r}>"

    def render(self, context):
        return self.escaped if context.autoescape else self.unescaped

    def render_annotated(self, context):
        return self.escaped if context.autoescape else self.unescaped


# What ``reverse`` answered, per resolver and script prefix: another URLconf or
# clear_url_caches() starts afresh.
_reversed: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_REVERSED_IN_THIS_RENDER = object()
# What the static files storage answered, per storage object.
_static_urls: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _forget_remembered(**kwargs) -> None:
    _reversed.clear()
    _static_urls.clear()


setting_changed.connect(_forget_remembered, dispatch_uid="tutti-template-loader-remembered")


class RememberedURLNode(URLNode):
    """``{% url 'name' %}`` without arguments: ``reverse`` once per resolver, prefix and app.

    The node is in a nodelist folded for ``language`` and rendered only in that language, which
    translated URL patterns depend on."""

    language: str | None = None

    def render(self, context):
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        # The URLconf and the script prefix of this render, looked up once for all its URLs.
        render_state = context.render_context.dicts[0]
        remembered = render_state.get(_REVERSED_IN_THIS_RENDER)
        if remembered is None:
            resolver = get_resolver(get_urlconf())
            by_prefix = _reversed.get(resolver)
            if by_prefix is None:
                by_prefix = _reversed.setdefault(resolver, {})
            remembered = by_prefix.setdefault(get_script_prefix(), {})
            render_state[_REVERSED_IN_THIS_RENDER] = remembered
        key = (view_name, current_app, self.language)
        url = remembered.get(key)
        if url is None:
            try:
                url = reverse(view_name, current_app=current_app)
            except NoReverseMatch:
                if self.asvar is None:
                    raise
                url = ""
            else:
                remembered[key] = url
        if self.asvar:
            context[self.asvar] = url
            return ""
        if context.autoescape:
            url = conditional_escape(url)
        return url


class RememberedStaticNode(StaticNode):
    """``{% static 'literal' %}``: the local static files storage asked once per file."""

    @classmethod
    def handle_simple(cls, path):
        storage = staticfiles_storage._wrapped
        if storage is empty or not isinstance(storage, StaticFilesStorage):  # not set up yet, or remote
            return super().handle_simple(path)
        remembered = _static_urls.get(storage)
        if remembered is None:
            remembered = _static_urls.setdefault(storage, {})
        key = (path, settings.DEBUG)  # the manifest storage answers unhashed names under DEBUG
        url = remembered.get(key)
        if url is None:
            url = remembered[key] = super().handle_simple(path)
        return url
