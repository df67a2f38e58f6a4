"""Rendering a directory as YAML in SPEC §5's layout (`threadline directory export`).

PyYAML's dumper is configured rather than replaced: lists indented under their key, an org a
block, a user one line, and text that would not read back equal double-quoted.
"""

from __future__ import annotations

from typing import Any

import yaml

from core.formats.directory_file import DirectoryFile


class _Dumper(yaml.SafeDumper):
    """Indents lists under their key, as SPEC's example does (PyYAML's default does not)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


class _Block(dict[str, Any]):
    """An org: one key per line. Lists and mappings of plain values (``email_domains``, the
    ``slack:`` settings) go on one line by ``default_flow_style=None``."""


class _OneLine(dict[str, Any]):
    """A user: the whole mapping on one line, as in SPEC's example."""


def _block(dumper: yaml.SafeDumper, data: _Block) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=False)


def _one_line(dumper: yaml.SafeDumper, data: _OneLine) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True)


def _str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    """Double-quote text with line breaks or unprintables: only that style escapes them all
    (PyYAML folds NEL and U+2028 in other styles, so the text would not read back equal)."""
    odd = any(c in "\x85\u2028\u2029" or not c.isprintable() for c in data)
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"' if odd else None)


_Dumper.add_representer(_Block, _block)
_Dumper.add_representer(_OneLine, _one_line)
_Dumper.add_representer(str, _str)


def render_directory(directory: DirectoryFile) -> str:
    """Deterministic YAML in SPEC's layout; ``parse_directory`` reads it back to an equal value.

    Unset optional keys are left out; ``notify`` and ``roles`` are always written because they
    decide who hears about a ticket, which a reader of the file should not have to remember.
    """
    orgs = [
        _Block(
            org.model_dump(
                exclude_none=True, exclude=None if org.email_domains else {"email_domains"}
            )
        )
        for org in directory.orgs
    ]
    users = [_OneLine(user.model_dump(exclude_none=True)) for user in directory.users]
    data = {"orgs": orgs, "users": users}
    options: dict[str, Any] = {"sort_keys": False, "allow_unicode": True, "width": 1 << 30}
    return str(yaml.dump(data, Dumper=_Dumper, default_flow_style=None, **options))
