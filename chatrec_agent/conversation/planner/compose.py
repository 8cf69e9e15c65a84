"""The planner's answer, written only from this turn's tool results (so it is grounded)."""

from __future__ import annotations

from chatrec_agent.conversation.tool_names import ToolName
from chatrec_agent.conversation.tool_results import tool_result

# What the help promises: a person's ratings are not named in a channel without their consent.
PRIVATE_HISTORY = ("I keep your ratings out of the channel. Ask me in a direct message, or turn taste sharing on "
                   "(the `share-taste on` command) if you don't mind others here reading them.")
PRIVATE_LIST = ("I keep your list out of the channel. Ask me in a direct message, or turn taste sharing on "
                "(the `share-taste on` command) if you don't mind others here reading it.")


def _label(card: dict) -> str:
    return f"*{card['title']}* ({card['year']})" if card.get("year") else f"*{card['title']}*"


def _not_found(query: str, suggestions: list[dict]) -> str:
    hint = f" Did you mean {_joined([_label(s) for s in suggestions], 'or')}?" if suggestions else ""
    return f"I couldn't find “{query}” in the catalog.{hint}"


def _items(payload: dict, intro: str) -> list[str]:
    if not (items := payload.get("items", [])):
        return []
    lines = [intro]  # taken as it is: titles and names may hold braces
    for n, card in enumerate(items, 1):
        genres = ", ".join(card.get("genres", []))
        explanation = card.get("explanation")
        lines.append(f"{n}. {_label(card)} — {genres}" + (f". {explanation}" if explanation else ""))
    return lines


def _filters_text(filters: dict | None) -> str:
    if not filters:
        return ""
    parts = []
    if filters.get("genres"):
        parts.append(" and ".join(filters["genres"]))
    if filters.get("any_genres"):
        parts.append(" or ".join(filters["any_genres"]))
    for condition in filters.get("attributes") or []:  # "director: Denis Villeneuve", "not tags: gore"
        parts.append(f"{'not ' if condition.get('negate') else ''}{condition['field']}: {' or '.join(condition['values'])}")
    if filters.get("exclude_genres"):
        parts.append("no " + " or ".join(filters["exclude_genres"]))
    start, end = filters.get("year_from"), filters.get("year_to")
    if start or end:
        parts.append(f"{start}–{end}" if start and end else f"from {start} on" if start else f"up to {end}")
    return f" ({', '.join(parts)})" if parts else ""


def _values(value) -> str:
    return _joined(value) if isinstance(value, list) else str(value)


# How the record's own fields are told (the catalog's other fields: "— director: …").
_RECORD_LINES = {"description": "{label}: {value}", "year": "{label} came out in {value}.", "genres": "{label} is {value}.",
                 "tags": "{label} is tagged {value}."}


def _details(payload: dict) -> list[str]:
    """Answers from the item's catalog record, and nothing else."""
    card, record = payload.get("item"), payload.get("record") or {}
    if not card:
        return []
    label, lines = _label(card), []
    if check := payload.get("check"):
        genres = _values(record.get("genres") or []) or "not labelled with a genre"
        if check.get("matches"):
            lines.append(f"Yes: {label} is {_values(check['matches'])} ({genres}).")
        else:
            lines.append(f"No: {label} is {genres}, not {check['asked']}.")
    asked = [f for f in payload.get("asked", []) if f not in payload.get("unknown_fields", [])]
    for field in asked:
        value = record.get(field)
        if field == "predicted_stars":
            history = payload.get("your_history") or {}
            if history.get("rating") is not None:
                lines.append(f"You rated {label} {history['rating']:g}★.")
            elif payload.get("predicted_stars") is not None:
                lines.append(f"My guess: you'd give {label} about {payload['predicted_stars']:.1f}★.")
            elif payload.get("stars_pending"):
                lines.append(f"I'm still learning how people here rate, so I can't guess your stars for {label} "
                             "yet; ask me again in a minute.")
        elif field in _RECORD_LINES:
            lines.append(_RECORD_LINES[field].format(label=label, value=_values(value)))
        elif field != "title":
            lines.append(f"{label} — {field.replace('_', ' ')}: {_values(value)}.")
    for field in payload.get("unknown_fields", []):
        lines.append(f"The catalog doesn't list a {field.replace('_', ' ')} for {label}, so I can't say.")
    if not payload.get("asked") and not check:
        genres = ", ".join(record.get("genres") or [])
        lines.append(f"{label}" + (f" — {genres}" if genres else "") + "." + (f" {record['description']}" if record.get("description") else ""))
        extras = [f"{k.replace('_', ' ').capitalize()}: {_values(v)}" for k, v in record.items()
                  if k not in ("title", "year", "genres", "tags", "description") and v]
        if record.get("tags"):
            extras.append("Tags: " + ", ".join(record["tags"]))
        if extras:
            lines.append(". ".join(extras) + ".")
    return lines


_STRATEGY_NOTES = {"average": " (by the group's average)", "least_misery": " (the least happy member decides)",
                   "most_pleasure": " (someone will love it)"}


def _people(names: list[str]) -> str:
    return _joined(names) or "the group"


def _group(payload: dict) -> list[str]:
    """A group's picks: for whom, the picks, who counts as neutral, and names it did not know."""
    lines = []
    if unknown := payload.get("unknown_members") or []:
        lines.append(f"I don't see {_people(unknown)} in this group, so I left the group as it is.")
    if payload.get("error"):
        return [*lines, payload["error"]]
    who = _people(payload.get("member_names") or [])
    if payload.get("missing"):
        lines.append(f"I only know of {who} in this conversation: mention anyone else (@name) to add them.")
    count = len(payload.get("items", []))
    note = _STRATEGY_NOTES.get(payload.get("strategy", ""), "")
    seeds = payload.get("like") or []
    like = (" like " + " and ".join(_label(c) for c in seeds)) if seeds else ""
    found = _items(payload, f"Here {'is' if count == 1 else 'are'} {count} pick{'' if count == 1 else 's'}{like} for {who}{note}:")
    lines += found or [f"Nothing in the catalog suits all of {who}{_filters_text(payload.get('filters'))} without "
                       "someone having seen it or disliked it. Try loosening a constraint."]
    if neutral := payload.get("neutral") or []:
        verb = "have" if len(neutral) > 1 or neutral == ["you"] else "has"
        line = (f"{_people(neutral)} {verb} no history with me yet, so {'count' if verb == 'have' else 'counts'} "
                "as neutral: tell me a few titles you liked and the picks will follow your taste too.")
        lines.append(line[0].upper() + line[1:])
    return lines


def _watchlist(payload: dict) -> list[str]:
    if payload.get("private"):
        return [PRIVATE_LIST]
    card = payload.get("item")
    if payload.get("action") == "add" and card:
        return [f"Saved {_label(card)} for later ({payload.get('count', 1)} on your list). Say “what's on my list?” to see it."
                if payload.get("changed") else f"{_label(card)} is already on your list."]
    if payload.get("action") == "remove" and card:
        return [f"Took {_label(card)} off your list." if payload.get("changed") else f"{_label(card)} wasn't on your list."]
    if payload.get("action") == "show" and "items" in payload:
        count = payload.get("count", len(payload["items"]))
        more = count - len(payload["items"])
        return _items(payload, f"Your list ({count} saved" + (f"; the first {len(payload['items'])}" if more else "")
                      + "):") or ["Your list is empty: press Save under a pick, or say “save the second one”."]
    return []


def _joined(labels: list[str], last: str = "and") -> str:
    """"A", "A and B", "A, B and C"; "" for none."""
    return f" {last} ".join(filter(None, [", ".join(labels[:-1]), *labels[-1:]]))


def _noted(kind: str | None, labels: list[str], had: str = "seen") -> str:
    films, them = _joined(labels), "it" if len(labels) == 1 else "them"
    if kind == "liked":
        return f"Noted: you liked {films}. I'll lean that way."
    if kind == "disliked":
        return f"Noted: you didn't like {films}. I'll steer away from {them} and things like {them}."
    return f"Noted that you've {had} {films}; I won't suggest {them} again."


def compose(tool_messages: list, had: str = "seen") -> str:
    """The reply from the tools' results; `had`: what having had an item is called ("seen" a
    film, "read" a book: cues.participle of catalog.words.verb)."""
    lines: list[str] = []
    noted: tuple[str | None, list[str], int] | None = None  # the feedback line being written: kind, films, its line
    for message in tool_messages:
        payload = tool_result(message)
        name = payload.get("tool") or getattr(message, "name", "")
        if not payload:
            lines.append(f"Something went wrong looking that up: {message.content}")
            continue
        lines += [_not_found(entry["query"], entry.get("suggestions", [])) for entry in payload.get("unknown", [])]
        if name == ToolName.RECOMMEND:
            seeds = payload.get("like") or []
            count, asked = len(payload.get("items", [])), _filters_text(payload.get("filters"))
            noun = "pick" if count == 1 else "picks"
            like = " like " + " and ".join(_label(s) for s in seeds) if seeds else ""
            intro = f"Here {'is' if count == 1 else 'are'} {count} {noun}{like} for you:"
            if 0 < count < payload.get("k", count):  # "five comedies from the 90s", four left unseen: said so
                intro = (f"Only {count} new {noun}{like} match{'es' if count == 1 else ''} that{asked}:" if asked
                         else f"Only {count} new {noun}{like} left for you:")
            if payload.get("loosened"):
                intro = f"Nothing new matches all of that{asked}; the nearest{_filters_text(payload['loosened'])}:"
            found = _items(payload, intro)
            if not found and (known := payload.get("known")):
                found = [f"Nothing new matches that{asked}: you've {had} or rated "
                         f"{_joined([_label(card) for card in known])} already. Try loosening a constraint for something new."]
            if not found and (only := payload.get("only")):
                found = [f"Nothing else matches that{asked}: "
                         f"{_joined([_label(card) for card in only])} {'is' if len(only) == 1 else 'are'} all the catalog has."]
            lines += found or [f"Nothing in the catalog matches that{asked} and is new to you. Try loosening a constraint."]
        elif name == ToolName.RECOMMEND_FOR_GROUP:
            lines += _group(payload)
        elif name == ToolName.EXPLAIN_FOR_GROUP:
            if payload.get("error"):
                lines.append(payload["error"])
            elif payload.get("item"):
                lines.append(f"{_label(payload['item'])} for {_people(payload.get('member_names') or [])}: {payload.get('text', '')}")
        elif name == ToolName.SIMILAR_ITEMS:
            seeds = " and ".join(_label(s) for s in payload.get("seeds", []))
            found = _items(payload, f"More like {seeds}:" if seeds else "Similar picks:")
            lines += found or ([f"I found nothing new for you like {seeds}."] if seeds else [])
        elif name == ToolName.SEARCH_CATALOG:
            items = payload.get("items", [])
            if payload.get("match") == "title" and items:
                card = items[0]
                lines.append(f"Yes: {_label(card)} — {', '.join(card.get('genres', []))}. Ask “why” or “more like it”.")
            elif payload.get("match") == "plot":
                lines += _items(payload, f"These fit “{payload['query']}” best:" if payload.get("sure") else
                                f"I'm not sure the catalog has it; the closest to “{payload['query']}”:")
            elif items or payload.get("query"):
                # The planner searches for titles ("have you got Hot Fuzz?"): none is called that.
                if payload.get("query"):
                    lines.append(_not_found(payload["query"], payload.get("suggestions", [])[:3]))
                lines += _items(payload, "Closest by description:")
            else:
                lines.append("I found nothing like that in the catalog.")
        elif name == ToolName.ITEM_DETAILS:
            lines += _details(payload)
        elif name == ToolName.EXPLAIN and payload.get("item"):  # the other branches are other tools
            lines.append(f"{_label(payload['item'])}: {payload.get('text', '')}")
        elif name == ToolName.RECORD_FEEDBACK:
            if payload.get("error"):
                lines.append(f"I couldn't save that: {payload['error']}.")
            elif payload.get("item"):
                label, kind = _label(payload["item"]), payload.get("kind")
                if kind == "rated":
                    lines.append(f"Saved: {label} {payload.get('rating') or 0:g}★.")
                elif noted and noted[0] == kind and noted[2] == len(lines) - 1:
                    noted[1].append(label)  # "seen all of those": one line for the run
                    lines[-1] = _noted(kind, noted[1], had)
                else:
                    noted = (kind, [label], len(lines))
                    lines.append(_noted(kind, noted[1], had))
        elif name == ToolName.WATCHLIST:
            lines += _watchlist(payload)
        elif name == ToolName.USER_HISTORY:
            if payload.get("private"):
                lines.append(PRIVATE_HISTORY)
            elif not (top := payload.get("top_rated", [])) and not payload.get("recent"):
                lines.append("I don't have any ratings from you yet. Tell me what you liked, e.g. “I loved Alien”.")
            else:
                if top:
                    lines.append("You liked most: " + ", ".join(
                        _label(c) + (f" {c['rating']:g}★" if c.get("rating") is not None else "") for c in top) + ".")
                if disliked := payload.get("disliked", []):
                    lines.append("Not for you: " + ", ".join(_label(c) for c in disliked) + ".")
    return "\n".join(lines) if lines else "I have nothing to add."
