"""A small, strict YAML reader for hand-written step scripts.

It builds plain Python values from PyYAML's event stream so that we decide every rule ourselves:
scalars follow the YAML 1.2 core schema (`yes`, `no`, `on` stay strings), tags, anchors and
aliases are refused (no object construction, no alias bombs), duplicate keys are errors, and the
line and column of every value are kept so a problem can be reported where the author wrote it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path = tuple[str | int, ...]

_INT = re.compile(r"[-+]?[0-9]+\Z")
_INT_OCT = re.compile(r"0o[0-7]+\Z")
_INT_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_INF = re.compile(r"[-+]?\.(inf|Inf|INF)\Z")
_NAN = re.compile(r"\.(nan|NaN|NAN)\Z")


class YamlProblem(Exception):
    """The text is not a YAML document we accept; line and column are 1-based."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass
class Document:
    """Plain values plus where each of them was written."""

    value: Any
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: Path) -> tuple[int, int]:
        """The position of the deepest written part of `path` (a missing field points at its parent)."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.positions:
                return self.positions[path[:end]]
        return (1, 1)


def _mark(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def _plain_scalar(text: str) -> Any:
    """Resolve an untagged plain scalar by the YAML 1.2 core schema."""
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if _INT.match(text):
        return int(text)
    if _INT_OCT.match(text):
        return int(text, 0)
    if _INT_HEX.match(text):
        return int(text, 0)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.match(text):
        return math.nan
    return text


class _Builder:
    """Turns parser events into values, recording positions and refusing what we do not allow."""

    def __init__(self, events: Any) -> None:
        self._events = events
        self.positions: dict[Path, tuple[int, int]] = {}

    def _next(self) -> Any:
        return next(self._events)

    def build(self) -> Any:
        start = self._next()
        assert isinstance(start, yaml.StreamStartEvent)
        event = self._next()
        if isinstance(event, yaml.StreamEndEvent):
            return _EMPTY
        value = self._node(self._next(), ())
        self._next()  # DocumentEndEvent
        extra = self._next()
        if not isinstance(extra, yaml.StreamEndEvent):
            raise YamlProblem(
                "the file holds more than one YAML document; keep one routine per file",
                *_mark(extra.start_mark),
            )
        return value

    def _check_node_event(self, event: Any) -> None:
        if isinstance(event, yaml.AliasEvent):
            raise YamlProblem(
                "YAML aliases (*name) are not allowed; write the value out in full", *_mark(event.start_mark)
            )
        if getattr(event, "anchor", None):
            raise YamlProblem(
                "YAML anchors (&name) are not allowed; write each value out in full", *_mark(event.start_mark)
            )
        tag = getattr(event, "tag", None)
        if tag not in (None, "!"):
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            raise YamlProblem(
                f"YAML tags such as {shown} are not allowed; write plain text, numbers and lists",
                *_mark(event.start_mark),
            )

    def _node(self, event: Any, path: Path) -> Any:
        self._check_node_event(event)
        self.positions[path] = _mark(event.start_mark)
        if isinstance(event, yaml.ScalarEvent):
            plain = not event.style and event.implicit[0]  # libyaml reports plain style as "" rather than None
            return _plain_scalar(event.value) if plain else event.value
        if isinstance(event, yaml.SequenceStartEvent):
            items: list[Any] = []
            while not isinstance(event := self._next(), yaml.SequenceEndEvent):
                items.append(self._node(event, (*path, len(items))))
            return items
        if isinstance(event, yaml.MappingStartEvent):
            mapping: dict[Any, Any] = {}
            while not isinstance(event := self._next(), yaml.MappingEndEvent):
                key = self._key(event)
                if key in mapping:
                    raise YamlProblem(
                        f"the key '{key}' appears twice in the same block; keep only one", *_mark(event.start_mark)
                    )
                mapping[key] = self._node(self._next(), (*path, key))
                self.positions[(*path, key)] = _mark(event.start_mark)
            return mapping
        raise YamlProblem("unexpected YAML structure", *_mark(event.start_mark))  # pragma: no cover

    def _key(self, event: Any) -> str:
        self._check_node_event(event)
        if not isinstance(event, yaml.ScalarEvent):
            raise YamlProblem("a key must be a plain word, not a list or a block", *_mark(event.start_mark))
        return event.value


_EMPTY = object()


def parse(text: str) -> Document:
    """Parse one YAML document strictly. Raises YamlProblem with a position for anything refused."""
    builder = _Builder(iter(yaml.parse(text, Loader=_Loader)))
    try:
        value = builder.build()
    except yaml.MarkedYAMLError as error:
        raise _syntax_problem(error) from None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        raise YamlProblem(
            f"the text contains a control character (code {error.character:#04x}) that YAML does not allow; remove it",
            line,
            column,
        ) from None
    except yaml.YAMLError as error:
        raise YamlProblem(f"this is not valid YAML: {error}", 1, 1) from None
    if value is _EMPTY:
        raise YamlProblem("the file is empty; a routine needs at least a name, a title and steps", 1, 1)
    return Document(value, builder.positions)


# PyYAML notices an unclosed quote or bracket only where the text runs out or the next key begins;
# the author needs the place it opens. (context words in PyYAML's error, what to say, where it opens)
_UNCLOSED = (
    ("quoted scalar", "the quoted text that starts here is never closed; add the closing quote"),
    ("flow sequence", "the list that opens with '[' here is not closed; add ']', with ',' between items"),
    ("flow mapping", "the block that opens with '{' here is not closed; add '}', with ',' between fields"),
)


def _syntax_problem(error: yaml.MarkedYAMLError) -> YamlProblem:
    """Where the faulty construct starts (the opening quote, bracket or key), and what to do about it."""
    context = error.context or ""
    problem = (error.problem or "it could not be read").rstrip(".")
    where = error.context_mark
    for words, advice in _UNCLOSED:
        if words in context and where is not None:
            return YamlProblem(f"this is not valid YAML: {advice}", *_mark(where))
    line, column = _mark(error.problem_mark or where) if (error.problem_mark or where) else (1, 1)
    if "tab" in problem:
        return YamlProblem("this is not valid YAML: a tab indents this line; indent with spaces", line, column)
    if "mapping values are not allowed" in problem:
        return YamlProblem(
            "this is not valid YAML: a second ': ' on this line; put text that holds ': ' in quotes", line, column
        )
    if "block" in context and where is not None:
        return YamlProblem(
            f"this is not valid YAML: this line is indented unlike the block that starts at line {where.line + 1}; "
            "line it up with the other lines of that block",
            line,
            column,
        )
    return YamlProblem(f"this is not valid YAML: {problem}", line, column)
