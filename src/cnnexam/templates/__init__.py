"""The question catalog: one module per randomized problem template.

Each module in this package defines one :class:`cnnexam.model.Template` subclass and ends with
``TEMPLATE = TheTemplate()``. Adding a topic means adding one such file (and its test); the registry
below finds it. Modules whose names start with an underscore are shared helpers, not templates.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from functools import lru_cache

from cnnexam.model.template import Template


@lru_cache(maxsize=1)
def all_templates() -> dict[str, Template]:
    """Every template in the catalog by id, in a stable order (topic, then id)."""
    found: dict[str, Template] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        template = getattr(module, "TEMPLATE", None)
        if not isinstance(template, Template):
            raise TypeError(f"{module.__name__} defines no TEMPLATE = <Template subclass>()")
        if template.id in found:
            raise ValueError(f"template id {template.id!r} is defined twice")
        found[template.id] = template
    from cnnexam.model.template import TOPICS

    order = sorted(found.values(), key=lambda t: (TOPICS.index(t.topic), t.id))
    return {t.id: t for t in order}


def get_template(template_id: str) -> Template:
    """The template with this id; an unknown id raises KeyError naming the close matches."""
    templates = all_templates()
    if template_id in templates:
        return templates[template_id]
    close = difflib.get_close_matches(template_id, list(templates), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `cnnexam templates` lists them"
    raise KeyError(f"unknown template id {template_id!r}{hint}")
