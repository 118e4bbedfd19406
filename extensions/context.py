"""Context hook: values derived from the answers, computed once in Python.

Templates read ``{{ resource_class }}`` instead of repeating
``{{ resource | pascal }}`` in every file.  The hook also runs while copier
renders question defaults, before every answer exists, so each value is only
derived once its inputs are present.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from copier_template_extensions import ContextHook


def _load(name: str) -> ModuleType:
    """A sibling module of this file (copier loads extensions by path, not as a package)."""
    qualified = f"_template_extensions_{name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    spec = importlib.util.spec_from_file_location(qualified, Path(__file__).with_name(f"{name}.py"))
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module  # dataclasses resolve their annotations through it
    spec.loader.exec_module(module)
    return module


options = _load("options")


class ContextUpdater(ContextHook):
    def hook(self, context: dict[str, Any]) -> None:
        filters = self.environment.filters
        resource = context.get("resource")
        plural = context.get("resource_plural")
        package = context.get("package_name")
        if isinstance(resource, str) and resource:
            context["resource_class"] = filters["pascal"](resource)
            context["resource_title"] = filters["title_words"](resource)
            context["a_resource"] = filters["with_article"](context["resource_title"].lower())
        if isinstance(plural, str) and plural:
            context["resource_plural_title"] = filters["title_words"](plural)
            context["resource_path"] = filters["kebab"](plural)
            context["plural_class"] = filters["pascal"](plural)
        if isinstance(package, str) and package:
            context["env_prefix"] = package.upper() + "_"
        # Everything the option tables say about these answers (extensions/options.py).
        context.update(options.derive(context))
