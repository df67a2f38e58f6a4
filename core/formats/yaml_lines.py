"""Load YAML safely, remember which line every value came from, and report problems by line.

Config files are validated after loading, when the plain Python data no longer knows where
anything was written. Operators fix files by line number, so this module keeps the composed
node tree next to the data and maps each value (and each mapping key) to its 1-based line
by its *path* — the same tuple of keys and indexes that pydantic reports as an error ``loc`` —
and turns pydantic's errors into messages that name the line, the key and the fix.
"""

from __future__ import annotations

import difflib
import reprlib
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, get_args

import yaml
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError
from pydantic_core import ErrorDetails
from yaml.constructor import SafeConstructor

Path = tuple[Hashable, ...]


@dataclass(frozen=True)
class Problem:
    """One mistake in a file; ``line`` is 1-based, ``None`` when there is no file to point at."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line is not None else self.message


@dataclass
class LineMap:
    """Nodes by path; lookups fall back to the nearest enclosing node that exists."""

    nodes: dict[Path, yaml.Node] = field(default_factory=dict)
    key_nodes: dict[Path, yaml.Node] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # keys written twice in one map

    def line(self, path: Path) -> int | None:
        """Line of the value at ``path``, else of the closest ancestor (a missing key's map)."""
        for end in range(len(path), -1, -1):
            node = self.nodes.get(path[:end])
            if node is not None:
                return _line(node)
        return None

    def key_line(self, path: Path) -> int | None:
        """Line of the key that introduces ``path`` (where an unknown key was written)."""
        key = self.key_nodes.get(path)
        return _line(key) if key is not None else self.line(path)

    def source(self, path: Path) -> str | None:
        """The scalar exactly as written (``no``, not ``False``), to quote it back to the user."""
        node = self.nodes.get(path)
        return str(node.value) if isinstance(node, yaml.ScalarNode) else None


class Report:
    """Collects problems, locating each by the path of the value it is about."""

    def __init__(self, lines: LineMap) -> None:
        self.lines = lines
        self.problems: list[Problem] = list(lines.problems)
        self._seen: dict[Hashable, tuple[int, Path]] = {}

    def add(self, path: Path, message: str, *, key: bool = False) -> None:
        """Report at the value's line, or at its key's (``key=True``: the key is the mistake)."""
        line = self.lines.key_line(path) if key else self.lines.line(path)
        self.problems.append(Problem(line, message))

    def seen_before(self, value: Hashable, entry: int, path: Path) -> tuple[int, str] | None:
        """For a value that another entry had first: that entry's index and ``first(path)``.

        ``value`` should carry its kind (``("slug", "x")``) unless kinds may collide on purpose.
        """
        first, first_path = self._seen.setdefault(value, (entry, path))
        return (first, self.first(*first_path)) if first != entry else None

    def first(self, *path: Hashable) -> str:
        """`` (first at line N)``, naming the earlier occurrence of a duplicate."""
        line = self.lines.line(path)
        return f" (first at line {line})" if line is not None else ""


def value_at(data: object, *keys: str) -> object:
    """``data[k1][k2]…``, or ``None`` where the file does not have that shape."""
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def text_at(data: object, *keys: str) -> str | None:
    value = value_at(data, *keys)
    return value if isinstance(value, str) else None


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def load_with_lines(text: str) -> tuple[Any, LineMap]:
    """Parse one YAML document with the safe loader; return its data and its line map.

    Raises ``yaml.YAMLError`` (syntax errors, several documents, unsafe tags such as
    ``!!python/object``); ``syntax_problem`` turns it into a located ``Problem``.
    """
    loader = yaml.SafeLoader(text)
    lines = LineMap()
    try:
        node = loader.get_single_node()
        if node is None:
            return None, lines
        # Walk before constructing: construction rewrites merge keys (``<<: *base``) in place.
        _walk(node, (), lines, set(), SafeConstructor())
        return loader.construct_document(node), lines
    finally:
        loader.dispose()


def _walk(
    node: yaml.Node, path: Path, lines: LineMap, seen: set[int], keys: SafeConstructor
) -> None:
    """Record ``node`` and its children.

    An alias is the anchored node itself, so its lines are where the anchored value is written.
    Such a node is descended into only once: deeper paths through later aliases fall back to
    its line, and "billion laughs" documents cannot make this walk explode.
    """
    lines.nodes[path] = node
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines, seen, keys)
    elif isinstance(node, yaml.MappingNode):
        first: dict[Hashable, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # merged keys may be overridden here; their lines fall back to this map
            key = _key(key_node, keys)
            if key in first:  # loaders silently keep the last one, hiding a mistake
                msg = f"key `{key}` is written twice in this mapping (first at line {first[key]})"
                lines.problems.append(Problem(_line(key_node), f"{msg}; keep one"))
                continue
            first[key] = _line(key_node)
            lines.key_nodes[(*path, key)] = key_node
            _walk(value_node, (*path, key), lines, seen, keys)


def _key(node: yaml.Node, keys: SafeConstructor) -> Hashable:
    """The key as the loader builds it (``1:`` is the int 1), so paths match the data."""
    if isinstance(node, yaml.ScalarNode):
        value = keys.construct_object(node, deep=True)
        if isinstance(value, Hashable):
            return value
    return id(node)


def syntax_problem(err: yaml.YAMLError, text: str) -> Problem:
    """Where and why the text is not YAML at all (nothing else can be checked then)."""
    if isinstance(err, yaml.MarkedYAMLError):
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        if isinstance(err, yaml.constructor.ConstructorError):
            return Problem(line, f"{err.problem}; this file takes plain values only, no tags")
        if isinstance(err, yaml.composer.ComposerError) and "single document" in str(err.context):
            return Problem(line, "a second YAML document starts here; remove the `---` line")
        what = "; ".join(str(s) for s in (err.context, err.problem) if s)
        fix = "check the indentation, and quote values containing ': ' or ' #'"
        return Problem(line, f"not valid YAML: {what} ({fix})")
    if isinstance(err, yaml.reader.ReaderError) and isinstance(err.position, int):
        line = text.count("\n", 0, err.position) + 1
        code = err.character if isinstance(err.character, int) else ord(err.character)
        return Problem(line, f"character U+{code:04X} cannot appear in YAML; remove it")
    return Problem(None, f"not valid YAML: {err}")


def did_you_mean(key: object, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(key), allowed, n=1)
    return f" (did you mean `{close[0]}`?)" if close else ""


def pydantic_problems(
    err: PydanticError,
    model: type[BaseModel],
    base: Path,
    label: str,
    lines: LineMap,
    hints: Mapping[str, str],
) -> list[Problem]:
    """Translate each error of ``model.model_validate(data at base)`` to a located message.

    ``label`` names the entry ("org 'contoso'"); ``hints`` says, per key, what a missing value
    should be. Missing keys point at the mapping that lacks them, unknown keys at the key.
    """
    return [_problem(e, model, base, label, lines, hints) for e in err.errors(include_url=False)]


def _problem(
    error: ErrorDetails,
    model: type[BaseModel],
    base: Path,
    label: str,
    lines: LineMap,
    hints: Mapping[str, str],
) -> Problem:
    loc, kind, value = tuple(error["loc"]), error["type"], error["input"]
    path = (*base, *loc)
    field = ".".join(p for p in loc if isinstance(p, str))
    parent = ".".join(p for p in loc[:-1] if isinstance(p, str))
    where = f"{label}: `{field}`" if field else label
    owner = f"{label}: `{parent}`" if parent else label
    shown = lines.source(path) or reprlib.repr(value)  # bounded, even for "billion laughs"
    if kind == "missing":
        hint = hints.get(str(loc[-1]), "")
        return Problem(lines.line(path[:-1]), f"{owner} is missing `{loc[-1]}:`{hint}")
    if kind == "extra_forbidden":
        allowed = list(_model_at(model, loc[:-1]).model_fields)
        return Problem(
            lines.key_line(path),
            f"{owner} has unknown key `{loc[-1]}`{did_you_mean(loc[-1], allowed)} "
            f"(allowed: {', '.join(allowed)})",
        )
    line, ctx = lines.line(path), dict(error.get("ctx") or {})
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("' or '", "', '")
        return Problem(line, f"{where} cannot be '{shown}'; use one of {expected}")
    if kind == "value_error":
        return Problem(line, f"{where} {ctx.get('error', error['msg'])}")
    if value is None and not loc:
        return Problem(line, f"{where} is an empty item; fill it in or remove its `-`")
    if value is None:
        return Problem(line, f"{where} is empty; give it a value or remove the key")
    if kind == "string_type" and lines.source(path) is not None:
        return Problem(
            line,
            f"{where} must be text, but YAML reads `{shown}` as {_describe(value)}; "
            f'put it in quotes: "{shown}"',
        )
    if kind in ("model_type", "dict_type", "list_type"):
        shape = "a list like `[a, b]`" if kind == "list_type" else "a mapping of keys to values"
        return Problem(line, f"{where} must be {shape}, not {_describe(value)}")
    return Problem(line, f"{where}: {error['msg']}")


def _model_at(model: type[BaseModel], loc: Sequence[Hashable]) -> type[BaseModel]:
    """The nested model a pydantic ``loc`` points into (to list the keys allowed there)."""
    for part in loc:
        if isinstance(part, str) and part in model.model_fields:
            annotation = model.model_fields[part].annotation
            candidates = (annotation, *get_args(annotation))
            model = next(
                (a for a in candidates if isinstance(a, type) and issubclass(a, BaseModel)), model
            )
    return model


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, date):
        return "a date"
    names: dict[type, str] = {list: "a list", dict: "a mapping", str: "text"}
    return names.get(type(value), type(value).__name__)
