"""``.. public-api:: package``: document every name in ``package.__all__``, grouped by module.

The API reference is generated from the package itself, so a name added to ``__all__`` appears
on the site without anyone editing ``api.rst``. For each module that defines public names we
write a section (titled by the first line of the module's docstring) with a summary table and
one autodoc entry per name: ``autoclass``, ``autoexception``, ``autofunction`` or ``autodata``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import TYPE_CHECKING, Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

if TYPE_CHECKING:
    from sphinx.application import Sphinx


def _directive_for(obj: object) -> str:
    if inspect.isclass(obj):
        return "autoexception" if issubclass(obj, BaseException) else "autoclass"
    if callable(obj):
        return "autofunction"
    return "autodata"


def _home_module(package: Any, name: str) -> str:
    obj = getattr(package, name)
    module = getattr(obj, "__module__", None) if (callable(obj) or inspect.isclass(obj)) else None
    return module if isinstance(module, str) and module.startswith(package.__name__) else ""


class PublicAPI(SphinxDirective):
    """Expand to the documentation of every public name of a package.

    Option ``:order:`` lists module short names (``data losses ...``) in reading order.
    """

    required_arguments = 1
    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {"order": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        """Generate the reST for every public name and parse it in place."""
        package_name = self.arguments[0]
        package = importlib.import_module(package_name)
        names = list(package.__all__)
        # Top-level names, grouped by the module that defines them ...
        groups: dict[str, list[str]] = {}
        for name in names:
            groups.setdefault(_home_module(package, name), []).append(name)
        # ... and the public names of public submodules that the package does not re-export,
        # documented under their full module path.
        extra = _submodule_only_names(package)
        for module_name in extra:
            groups.setdefault(module_name, [])
        order = [f"{package_name}.{m}" for m in self.options.get("order", "").split()]

        def rank(module_name: str) -> tuple[int, int, str]:
            known = order.index(module_name) if module_name in order else len(order)
            return (module_name == "", known, module_name)

        summary = [n for n in names if n != "__version__"]
        prefix = len(package_name) + 1  # autosummary wants names relative to currentmodule
        summary += [f"{m[prefix:]}.{n}" for m, ns in extra.items() for n in ns]
        lines = [f".. currentmodule:: {package_name}", ""]
        lines += [".. autosummary::", "", *(f"   {n}" for n in summary), ""]
        for module_name in sorted(groups, key=rank):
            lines += self._section(package_name, module_name, groups[module_name], extra)
        self.env.note_dependency(inspect.getfile(package))
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(self.state, StringList(lines, source="public-api"), container)
        return list(container.children)

    @staticmethod
    def _section(
        package_name: str, module_name: str, members: list[str], extra: dict[str, list[str]]
    ) -> list[str]:
        if module_name:
            module = importlib.import_module(module_name)
            doc = inspect.getdoc(module) or module_name
            title = doc.splitlines()[0].rstrip(".")
        else:
            module, title = importlib.import_module(package_name), "Package metadata"
        lines = [title, "-" * len(title), ""]
        if members:
            lines += [f".. currentmodule:: {package_name}", ""]
            if module_name:
                lines += [f"*Defined in* ``{module_name}``; import from ``{package_name}``.", ""]
            lines += _entries(importlib.import_module(package_name), members)
        if extra.get(module_name):
            lines += [f".. currentmodule:: {module_name}", ""]
            lines += [f"*Import from* ``{module_name}``.", ""]
            lines += _entries(module, extra[module_name])
        return lines


def _entries(namespace: Any, members: list[str]) -> list[str]:
    lines = []
    for name in members:
        directive = _directive_for(getattr(namespace, name))
        lines.append(f".. {directive}:: {name}")
        if directive in {"autoclass", "autoexception"}:
            lines.append("   :members:")
        lines.append("")
    return lines


def _submodule_only_names(package: Any) -> dict[str, list[str]]:
    """Public names of public submodules that are not also public names of the package."""
    top = {name: getattr(package, name) for name in package.__all__}
    found: dict[str, list[str]] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        own = [
            name
            for name in getattr(module, "__all__", [])
            if not (name in top and top[name] is getattr(module, name))
        ]
        if own:
            found[module.__name__] = own
    return found


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the ``public-api`` directive."""
    app.add_directive("public-api", PublicAPI)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
