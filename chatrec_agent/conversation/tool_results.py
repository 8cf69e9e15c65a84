"""A tool's result travels two ways in one ToolMessage: the JSON text a language model reads
(`content`) and the same result as plain data that our own code reads (`artifact`), so
nothing parses the text again. Tools answer with `tool_output`; readers use `tool_result`.
"""

from __future__ import annotations

import json
import numbers
from enum import Enum
from typing import Any

from langchain_core.messages import ToolMessage


def plain(value: Any) -> Any:
    """The value as JSON holds it (dicts with str keys, lists, str, int, float, bool, None),
    so every checkpointer stores it and it reads the same as the text the model got: a
    tuple becomes a list, a numpy number a Python one, an enum its value."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, dict):
        return {_key(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, numbers.Integral):  # bool, a numpy integer
        return value if isinstance(value, bool) else int(value)
    if isinstance(value, numbers.Real):  # a numpy float
        return float(value)
    raise TypeError(f"a tool result holds {type(value).__name__}, which is not plain data")


def _key(key: Any) -> str:
    key = plain(key)
    return key if isinstance(key, str) else json.dumps(key)  # as json.dumps writes a key: 1 -> "1"


def tool_output(result: dict) -> tuple[str, dict]:
    """What a tool with response_format="content_and_artifact" returns: the text for the
    model and the plain-data result."""
    data = plain(result)
    return json.dumps(data, ensure_ascii=False), data


def tool_result(message: ToolMessage) -> dict:
    """The result a tool message carries ({} for a failed call); it is the message's own
    data, to read and not to change. A message stored before tools had artifacts (a
    conversation in an older checkpoint) is read from its text."""
    if isinstance(message.artifact, dict):
        return message.artifact
    try:
        data = json.loads(message.content if isinstance(message.content, str) else "")
    except (json.JSONDecodeError, TypeError):
        return {}
    return data if isinstance(data, dict) else {}
