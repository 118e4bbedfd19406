"""Context hook: values derived from the answers, computed once in Python.

Templates read ``{{ resource_class }}`` instead of repeating
``{{ resource | pascal }}`` in every file.  The hook also runs while copier
renders question defaults, before every answer exists, so each value is only
derived once its inputs are present.
"""

from __future__ import annotations

from typing import Any

from copier_template_extensions import ContextHook

DATABASE_URLS = {
    "sqlite": "sqlite+aiosqlite:///./{package}.sqlite3",
    "postgresql": "postgresql+asyncpg://postgres:postgres@localhost:5432/{package}",
}


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
            context["resource_plural_class"] = filters["pascal"](plural)
            context["resource_plural_title"] = filters["title_words"](plural)
            context["resource_path"] = filters["kebab"](plural)
        if isinstance(package, str) and package:
            context["env_prefix"] = package.upper() + "_"
            database = context.get("database")
            if database in DATABASE_URLS:
                context["default_database_url"] = DATABASE_URLS[database].format(package=package)
