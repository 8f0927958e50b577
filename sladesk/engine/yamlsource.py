"""YAML read into plain Python values, remembering the line of every key and item."""

from __future__ import annotations

from typing import Any

import yaml

try:  # the C loader is much faster; the pure-Python one gives the same nodes
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path = tuple[str | int, ...]


class YamlError(ValueError):
    """The text is not YAML, or not YAML this loader accepts (one line, with its position)."""


def render_path(path: Path) -> str:
    """`calendars.cn-5x8.hours.mon[1]`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def load(text: str, name: str) -> tuple[Any, dict[Path, int]]:
    """Values of the YAML document and the 1-based line of each path in it."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        lines: dict[Path, int] = {}
        value = _build(loader, node, (), lines) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{name}:{mark.line + 1}" if mark else name
        raise YamlError(f"{where}: not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise YamlError(f"{name}: not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    return value, lines


def _build(loader: Any, node: yaml.Node, path: Path, lines: dict[Path, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | bool) and key is not None:
                raise yaml.MarkedYAMLError(
                    problem=f"a key must be a plain value, not {type(key).__name__}",
                    problem_mark=key_node.start_mark,
                )
            key = _key_text(key)
            if key in out:
                raise yaml.MarkedYAMLError(
                    problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark
                )
            out[key] = _build(loader, value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, i), lines) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def _key_text(key: object) -> str:
    """YAML 1.1 reads `on`, `yes` and `no` as booleans; as keys we want the words back."""
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    return str(key)
