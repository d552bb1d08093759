"""YAML reading that keeps dates as strings and remembers the line of every node, so errors
can name the file, the line and the field. Data files may not use anchors or aliases (a
357-byte alias bomb expands to gigabytes) nor nest deeper than `MAX_DEPTH`: both are refused
in one streaming pass over the parser's events, before any node is built."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available


class _StringDateLoader(_Base):
    """Safe loader that leaves `2025-05-28` as a string (the schema checks the format)."""


_StringDateLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

Path_ = tuple[str | int, ...]
MAX_DEPTH = 40


class YamlError(ValueError):
    """The text is not acceptable YAML; `line` is 1-based (None when unknown)."""

    def __init__(self, message: str, line: int | None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line or '?'}: {message}")


def _line(mark: Any) -> int | None:
    return mark.line + 1 if mark is not None else None


def check_events(text: str) -> None:
    """Refuse anchors, aliases and nesting deeper than MAX_DEPTH; raise YamlError (with the
    line) on those and on any syntax error."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_StringDateLoader):
            if isinstance(event, yaml.AliasEvent):
                raise YamlError(f"alias *{event.anchor} not allowed in data files "
                                "(write the value out)", _line(event.start_mark))
            if anchor := getattr(event, "anchor", None):
                raise YamlError(f"anchor &{anchor} not allowed in data files "
                                "(write the value out)", _line(event.start_mark))
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise YamlError(f"nested deeper than {MAX_DEPTH} levels",
                                    _line(event.start_mark))
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        raise YamlError(f"not valid YAML: {exc.problem or exc}",
                        _line(exc.problem_mark or exc.context_mark)) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"not valid YAML: {exc}", None) from None


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[(*path, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lines)


def load_with_lines(text: str) -> tuple[Any, dict[Path_, int]]:
    """Parse YAML text; return the data and a map from node path to 1-based line. Raises
    YamlError (with the line) on invalid YAML, anchors, aliases or excessive nesting."""
    check_events(text)
    loader = _StringDateLoader(text)
    try:
        node = loader.get_single_node()
        lines: dict[Path_, int] = {}
        if node is None:
            return None, lines
        _walk(node, (), lines)
        return loader.construct_document(node), lines
    finally:
        loader.dispose()


def load_file(path: Path) -> tuple[Any, dict[Path_, int]]:
    return load_with_lines(path.read_text(encoding="utf-8"))


def line_of(lines: dict[Path_, int], path: Path_) -> int | None:
    """The line of `path`, or of its nearest ancestor that has one."""
    p = tuple(path)
    while p:
        if p in lines:
            return lines[p]
        p = p[:-1]
    return lines.get(())
