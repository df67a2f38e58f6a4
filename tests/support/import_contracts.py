"""An import-linter contract type for a rule the built-in ones cannot state.

import-linter sees an external package as one module (`sqlalchemy`), so its `forbidden`
contract cannot say "no SQLAlchemy except `sqlalchemy.ext.asyncio`": the listeners may name
the `AsyncSession` type they pass to core services, but may not build a query. This contract
reads the import statements themselves (grimp keeps each one's line) and allows only those
that import from the listed submodules. Only direct imports count: a listener calling a core
service that uses SQLAlchemy is the point of the layering, not a breach of it.

Registered in pyproject.toml under `[tool.importlinter] contract_types`.
"""

from __future__ import annotations

import re
from typing import Any

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output

_FROM = re.compile(r"^\s*from\s+([\w.]+)\s+import\b")
_IMPORT = re.compile(r"^\s*import\s+(.+)$")


def imported_modules(line: str) -> list[str]:
    """The module(s) an import line names: `from a.b import c` → a.b; `import a.b as x` → a.b."""
    found = _FROM.match(line)
    if found:
        return [found.group(1)]
    plain = _IMPORT.match(line)
    if plain:
        return [part.split(" as ")[0].strip() for part in plain.group(1).split(",")]
    return []


def _within(module: str, allowed: list[str]) -> bool:
    return any(module == a or module.startswith(a + ".") for a in allowed)


class ExternalSubmodulesContract(Contract):
    """`source_modules` may import `forbidden_package` only from `allowed_submodules`."""

    type_name = "forbidden_external_except"

    source_modules = fields.ListField(subfield=fields.ModuleField())
    forbidden_package = fields.StringField()
    allowed_submodules = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        package: str = self.forbidden_package  # type: ignore[assignment]
        allowed: list[str] = list(self.allowed_submodules)  # type: ignore[call-overload]
        violations: list[dict[str, Any]] = []
        for source in self.source_modules:  # type: ignore[attr-defined]
            importers = {source.name} | graph.find_descendants(source.name)
            for importer in sorted(importers):
                for detail in graph.get_import_details(importer=importer, imported=package):
                    line = detail["line_contents"]
                    names = [m for m in imported_modules(line) if _within(m, [package])]
                    if not names or not all(_within(m, allowed) for m in names):
                        violations.append(
                            {"importer": importer, "line": detail["line_number"], "code": line}
                        )
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        allowed = ", ".join(self.allowed_submodules)  # type: ignore[call-overload]
        output.print_error(
            f"These import {self.forbidden_package} beyond {allowed}; move the query into a "
            "core service and call that:"
        )
        output.new_line()
        for violation in check.metadata["violations"]:
            output.print_error(
                f"-   {violation['importer']}:{violation['line']}  {violation['code']}", bold=False
            )
        output.new_line()
