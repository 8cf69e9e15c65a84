"""Questions about one item ("who directed it?", "what's Heat about?", "is the second one a
comedy?"): which record fields are asked for, and which item is meant.

Fields come from the catalog: the record's own names (title, year, genres, tags,
description) and every metadata field the catalog carries, matched by stem ("directed" ->
director, "written" -> writer), plus the few question words that name a record field
without naming it ("when" -> year, "about" -> description). `QuestionReading` turns them,
and "why?" / "would I like it?", into the tool calls that answer them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chatrec_agent.catalog.attributes import AttributeVocabulary
from chatrec_agent.catalog.mentions import Mention
from chatrec_agent.catalog.titles import normalise_title
from chatrec_agent.conversation.planner import cues
from chatrec_agent.conversation.planner.memory import Recall
from chatrec_agent.conversation.planner.plans import WRITTEN, Plan, did_you_mean, mentioned
from chatrec_agent.conversation.tool_names import ToolName

WHICH_ONE = "Which one do you mean? Say e.g. “the second one”."

# Question words that point at a record field without naming it.
_CUES: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"\b(?:what(?:'s| is| was)? (?:it|that|this|the (?:\w+ )?one|.+?) about|plot|premise|story(?:line)?|synopsis|summary|describe)\b"), "description"),
    (re.compile(r"\b(?:when|what year|which year|how old|how long ago|come out|came out|released?|release date)\b"), "year"),
    (re.compile(r"\b(?:what|which) (?:kind|sort|type|genres?)\b|\bgenres?\b"), "genres"),
    (re.compile(r"\b(?:tags?|themes?|keywords?)\b"), "tags"),
    (re.compile(r"\bhow long (?:is|'s|was|does|did)\b(?!.*\b(?:ago|until|till|since|been|production|list)\b)|"
                r"\b(?:run ?time|running time|duration)\b"), "runtime"),
)
_ASKS = re.compile(r"^(?:who|what|when|which|where|how|is|was|are|does|did|tell me|do you know)\b|\?\s*$")
_IS_A = re.compile(r"^(?:is|was|are) (?P<ref>.+?) (?:an?|some kind of|a kind of) (?P<what>[a-z][a-z' -]*?)(?: (?:film|movie|one))?\s*\??$|"
                   r"^(?:is|was) (?P<ref2>it|that|this|that one|this one|the \w+ one) (?P<what2>[a-z][a-z' -]*?)\s*\??$")
# "ok and the year?", "so, its director?": a question cut down to the field it asks for.
_OPENER = re.compile(r"^(?:(?:ok|okay|and|so|also|then|but|oh)\b[ ,]*)+")
_ELLIPTICAL = re.compile(r"^(?:the|its) (?P<f>[a-z]+(?: [a-z]+)?)\s*\?$")
# The record's own fields by the names people give them (the catalog's other fields are named
# by the catalog: AttributeVocabulary.field_named).
_RECORD_FIELDS = {"year": "year", "release date": "year", "genre": "genres", "genres": "genres", "plot": "description",
                  "story": "description", "storyline": "description", "synopsis": "description", "tags": "tags"}
# "who directed …", "who wrote …": the verb names a field by stem.
_WHO = re.compile(r"^(?:who|which (?:person|people))\s+(?:(?:is|was|were)\s+)?(?P<verb>\w+)(?: (?:by|in))?\b")
_REFERENCE = re.compile(
    r"\b(?:it|that|this|that one|this one|the (?:first|second|third|fourth|fifth|last|\d+(?:st|nd|rd|th)) one|"
    r"the (?:first|second|third|fourth|fifth|last)|#\d+|number \d+)\b")


@dataclass(frozen=True)
class ItemQuestion:
    fields: tuple[str, ...]
    reference: str  # the words naming the item ("it", "the second one", "Heat")
    genre_check: str | None = None  # "is it a comedy?" -> "comedy"


def item_question(text: str, attributes: AttributeVocabulary | None, titled: bool,
                  untitled: str | None = None) -> ItemQuestion | None:
    """The fields a question asks about one item, or None when it is not such a question.

    `titled`: the text names a catalog title (so "what's Heat about?" has a target without
    a pronoun)."""
    t = _OPENER.sub("", text.strip().lower())
    # "ok and the year?": the field of the item in hand, a record's or (one word only: "the same director?"
    # asks for more films, not about this one) the catalog's.
    if (m := _ELLIPTICAL.match(t)) and (field := _RECORD_FIELDS.get(m["f"]) or (
            attributes.field_named(m["f"]) if attributes is not None and " " not in m["f"] else None)):
        return ItemQuestion((field,), "it")
    asks = asking_part(t)  # "the third one sounds great, who directed it?" asks "who directed it?"
    # `untitled`: the asking part without the titles it names ("who wrote Good Omens?" has no "good").
    if not _ASKS.search(t) or re.search(
            r"\b(recommend|suggest|something|anything|give me|show me|good|best|great|any|got|recs?|for me|films|movies|"
            r"what else(?!\b.{0,20}\b(?:tell|know|say)\b))\b",
            (untitled if untitled is not None else asks).lower()):
        return None  # "what's a good drama that came out in the 90s?" asks for items, not about one
    fields: list[str] = []
    who = _WHO.match(asks)
    if who and who.group("verb") not in ("is", "was", "are", "in", "the", "it", "else"):
        field = role_field(who.group("verb"), attributes) if attributes is not None else None
        # A role this catalog does not record ("who wrote it?") is still a question about the
        # item: the answer says the catalog doesn't list it.
        fields.append(field or _agent_noun(who.group("verb")))
    if attributes is not None and not fields and (field := attributes.field_named(t)):
        fields.append(field)
    for pattern, field in _CUES:
        if pattern.search(t) and field not in fields:
            fields.append(field)
    if not (_REFERENCE.search(t) or titled):
        # "who's the director?" names a field and asks about the item in hand; without a field
        # ("what's good?") it is no question about one item.
        named = attributes is not None and attributes.field_named(t) is not None
        if not (named or who) or not re.match(r"^(?:who|what|when|which)\b", asks):
            return None
        if attributes is not None and attributes.find(t):
            return None  # "what did Denis Villeneuve direct?" names the value: it asks for the films
        return ItemQuestion(tuple(fields), "it")
    if not fields and (m := _IS_A.match(t)) and not (what := (m["what"] or m["what2"]).strip()).startswith(
            ("good", "worth", "any ", "ok", "available", "there", "in ")):
        return ItemQuestion((), m["ref"] or m["ref2"], what)
    if not fields and not re.match(r"^(?:who|what)(?: else)?(?: is| was|'s) in\b|\bwho stars\b|\bstarring\b|\bcast\b", asks):
        return None
    return ItemQuestion(tuple(fields) or ("cast",), _reference_part(t))  # "cast": a field this catalog may lack, said unknown


_IRREGULAR = {"wrote": "writer", "written": "writer", "made": "maker", "make": "maker", "did": "maker", "do": "maker", "done": "maker", "sang": "singer", "sung": "singer",
              "shot": "cinematographer", "starred": "cast", "stars": "cast", "played": "cast", "drew": "artist"}


# The same role under the names catalogs give it.
_ROLE_SYNONYMS = {"writer": ("author", "authors", "writers", "screenwriter", "novelist"),
                  "cast": ("actors", "starring", "stars", "actor"), "maker": ("director", "creator", "author", "brand"),
                  "director": ("directed_by", "directors"), "singer": ("artist", "performer"),
                  "artist": ("illustrator", "author")}


def role_field(word: str, attributes: AttributeVocabulary) -> str | None:
    """The catalog field a role word names, by its own name or its verb ("directed",
    "director", "made" -> director; "wrote" -> author on a bookshop), if the catalog has it."""
    noun = _agent_noun(word) if word not in _ROLE_SYNONYMS else word
    return attributes.field_named(word) or next(
        (f for name in (noun, *_ROLE_SYNONYMS.get(noun, ())) if (f := attributes.field_named(name))), None)


def _agent_noun(verb: str) -> str:
    """"directed" -> "director", "produced" -> "producer", "wrote" -> "writer"."""
    if verb in _IRREGULAR:
        return _IRREGULAR[verb]
    stem = verb[:-2] if verb.endswith("ed") else verb
    return stem + ("or" if stem.endswith(("ct", "it", "at")) else "er")


def asking_part(t: str) -> str:
    """The clauses from the first that asks: "the second one sounds good, what year is it?"
    asks "what year is it?" (what it says of the film before is no wish for more)."""
    clauses = re.split(r"(?<=[,;.!])\s+", t)
    first = next((n for n, clause in enumerate(clauses) if _ASKS.search(clause)), 0)
    return " ".join(clauses[first:])


def _reference_part(t: str) -> str:
    if m := _REFERENCE.search(t):
        return m.group(0)
    # "what's Heat about?", "when did Alien come out?": the words between the asking and the field cue.
    rest = re.sub(r"^(?:who|what|when|which|how|is|was|did|does|tell me|do you know)(?:'s| is| was| did| does)?\s+", "", t)
    rest = re.sub(r"\b(?:directed|wrote|written|made|about|come out|came out|released?|from|genre|year)\b.*$", "", rest)
    return rest.strip(" ?.!") or "it"


class QuestionReading:
    """The question rules of IntentParser (intents.py), which mixes them in: "why the second
    one?", "would I like Heat?", "who directed it?", "is Jaws scary?"."""

    def _why(self, t: str, memory: Recall) -> Plan | None:
        if m := (cues.WOULD_I.match(t) or cues.WORTH.match(t)):
            # "is it any good?" after a list, with no film in hand: which one?
            if m.re is cues.WORTH and cues.PRONOUN.match(m["t"]) and not memory.last_item and len(memory.last_shown) > 1:
                return Plan(answer=WHICH_ONE)
            if not (target := self._target(m.group("t"), memory)):
                return None
            return Plan(tool_calls=[{"name": ToolName.EXPLAIN, "args": {"item": target}},
                                    {"name": ToolName.ITEM_DETAILS, "args": {"item": target, "fields": ["predicted_stars"]}}])
        if not cues.WHY.search(t):
            return None
        rest = re.sub(r".*\bwhy\b( (did|do|would|should) you (recommend|suggest|pick|choose))?( (is|was))?"
                      r"( (would|will|do|should|might) i (like|love|enjoy|watch|see))?", "", t).strip(" ?.!")
        if not (target := (self._target(rest or "it", memory) if (rest or memory.last_shown) else None)):
            return Plan(answer="Why which one? Ask for recommendations first, then “why the second one?”.")
        return self._call(ToolName.EXPLAIN, item=target)

    def _question(self, t: str, memory: Recall) -> Plan | None:
        """"who directed it?", "what's Heat about?", "is Jaws scary?": the record answers. A
        question about a film it names is the same question about "it"."""
        films = mentioned(t, "link")
        subject = None if films else self._subject(t)
        films = films or ([subject] if subject is not None else [])
        asked = re.sub(rf"(?<!\w){re.escape(films[0].text.lower())}(?!\w)", "it", t, count=1) if films else t
        untitled = normalise_title(asking_part(asked))
        for m in films[1:]:
            untitled = untitled.replace(normalise_title(m.item.title), " ")
        question = item_question(asked, self.attributes, bool(films), untitled)
        if question is None:
            return None
        if subject is not None and subject.decision == "text":
            return did_you_mean([subject])  # "is arrival a sci-fi?": which film, first
        # An unsure film asked about is acted on: a question writes nothing, and its answer names the film.
        target = films[0].item.id if films else self._target(question.reference, memory)
        if target is None:
            return Plan(answer="Which title do you mean? Name it, or ask about “the second one”.")
        args: dict = {"item": target, "fields": list(question.fields)}
        if question.genre_check:
            genres = self.lexicon.parse(question.genre_check)[0]
            if genres or question.genre_check in self.tags:
                args["check"] = genres[0] if genres else question.genre_check
            else:  # "is Titanic sad?": no genre or tag to check; its record, and no "No" claimed
                args["fields"] = ["description"]
        return self._call(ToolName.ITEM_DETAILS, **args)

    def _subject(self, t: str) -> Mention | None:
        """An unsure title that a question asks about ("is Arrival a sci-fi?", "what's arrival
        about?"): said as "it", the question is one about an item. Not everyday words ("is it…")
        unless written as a title ("Is Up a comedy?")."""
        for m in self.linker.plausible(WRITTEN.get().strip()):
            if m.decision == "link" or (m.evidence["everyday"] and not m.evidence["capitalised"]) or m.evidence["kind_of"]:
                continue
            if re.search(r"\b(?:a|an|any|some|movies?|films?)\b", t.split(m.text.lower(), 1)[0]):
                continue  # "what's a movie about aliens?" asks for films, not about *Aliens*
            asked = re.sub(rf"(?<!\w){re.escape(m.text.lower())}(?!\w)", "it", t, count=1)
            if asked != t and (q := item_question(asked, self.attributes, True)) is not None and q.reference == "it":
                return m
        return None
