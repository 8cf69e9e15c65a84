"""Who a group request is for, from what the adapter bound and what the conversation holds.

Members come from three places only, none of them text a model wrote: the people this
message mentions (`Audience.mentioned`), the group of the conversation's last group answer
(in that tool result, written by the tool), and the people who have spoken in the
conversation (each human message carries its speaker). A model picks which of these it
means and may leave members out by name; it can never add anyone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage
from rapidfuzz import fuzz, process

from chatrec_agent.conversation.people import Audience, Person
from chatrec_agent.conversation.tool_names import ToolName
from chatrec_agent.conversation.tool_results import tool_result

GroupSource = Literal["mentioned", "same", "everyone_here"]
MIN_NAME_SCORE = 85  # how close "without Bne" must be to a member's name to leave them out


@dataclass
class Chosen:
    members: list[Person]
    unknown_names: list[str] = field(default_factory=list)  # "without X" where X is nobody in the group
    missing: int = 0  # "the four of us" where only three have spoken here


def previous_group(messages: Sequence[BaseMessage]) -> list[Person]:
    """The members of the conversation's latest group answer (none before the first)."""
    for message in reversed(messages):
        if isinstance(message, ToolMessage):
            payload = tool_result(message)
            if payload.get("tool") == ToolName.RECOMMEND_FOR_GROUP and payload.get("members"):
                return [Person.from_dict(m) for m in payload["members"]]
    return []


def participants(messages: Sequence[BaseMessage]) -> list[Person]:
    """Everyone who has written in the conversation, the most recent speaker first."""
    seen: dict[str, Person] = {}
    for message in reversed(messages):
        person = message.additional_kwargs.get("person") if isinstance(message, HumanMessage) else None
        if isinstance(person, dict) and {"id", "name", "user"} <= person.keys():
            seen.setdefault(str(person["id"]), Person.from_dict(person))
    return list(seen.values())


def choose(audience: Audience, messages: Sequence[BaseMessage], source: GroupSource = "mentioned",
           add_mentioned: bool = False, without: Sequence[str] = (), include_me: bool = True,
           size: int | None = None) -> Chosen:
    """The group: from `source`, plus this message's mentions when `add_mentioned`, less the
    members named in `without` ("me" for the speaker). `size` ("the three of us") keeps the
    speaker and the latest others to speak; fewer than that is reported as `missing`."""
    before = previous_group(messages)
    missing = 0
    if source == "same" and before:
        members = list(before)
    elif source == "everyone_here":
        others = [p for p in participants(messages) if p.id != audience.me.id]
        if size is not None:
            missing = max(0, size - 1 - len(others))
            others = others[: max(size - 1, 0)]
        members = [audience.me, *reversed(others)]
    else:
        # "mentioned" with nobody mentioned continues the current group, if there is one.
        members = [*audience.mentioned, audience.me] if audience.mentioned or not before else list(before)
        if not include_me and audience.mentioned:
            members = list(audience.mentioned)
    if add_mentioned:
        members += audience.mentioned
    unique = list({p.id: p for p in members}.values())
    # The speaker's latest name wins over one remembered from an earlier turn.
    unique = [audience.me if p.id == audience.me.id else p for p in unique]
    kept, unknown = _without(unique, without, audience.me)
    return Chosen(kept, unknown, missing)


def _without(members: list[Person], names: Sequence[str], me: Person) -> tuple[list[Person], list[str]]:
    drop: set[str] = set()
    unknown: list[str] = []
    for raw in names:
        name = raw.strip().lstrip("@").strip()
        if not name:
            continue
        if name.lower() in ("me", "myself", "i"):
            drop.add(me.id)
            continue
        match = _match(name, members)
        if match is None:
            unknown.append(name)
        else:
            drop.add(match.id)
    return [p for p in members if p.id not in drop], unknown


def _match(name: str, members: list[Person]) -> Person | None:
    """The member whose display name (or first name) is `name`, typos allowed."""
    choices: dict[str, Person] = {}
    for person in members:
        choices.setdefault(person.name.lower(), person)
        first = person.name.split()[0].lower() if person.name.split() else ""
        if first:
            choices.setdefault(first, person)
    found = process.extractOne(name.lower(), list(choices), scorer=fuzz.ratio, score_cutoff=MIN_NAME_SCORE)
    return choices[found[0]] if found else None
