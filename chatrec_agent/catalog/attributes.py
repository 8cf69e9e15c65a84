"""Catalog attributes: every extra metadata field a catalog carries (director here; author,
cast, language, brand… elsewhere) as a filterable facet, plus the vocabulary that finds
their values in free text ("anything by Kubrick?", "nothing by Spielberg").

The vocabulary is learnt from the catalog itself at load time, never from a list of names:
full values ("christopher nolan"), surnames ("nolan", "coen" in "the Coen brothers") and
close spellings of them. A surname that is also an ordinary word in the catalog's own
descriptions ("lean", "wise", "king") only counts with a cue: capitalised, "by …",
"…'s", "a … film".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from wordfreq import zipf_frequency

from chatrec_agent.catalog.model import Catalog, Item, genre_key, longest_matches, phrase_words

# Several values in one metadata field are written "A|B" (JSON lists are joined so).
VALUE_SEPARATOR = "|"
# A field is an attribute when its values are short names, not prose.
MAX_VALUE_WORDS = 6
MAX_VALUE_CHARS = 80
TAGS = "tags"

_NEGATION = re.compile(
    r"\b(?:no|not|without|nothing|except|but not|anything but|avoid|skip|hate|dislike|can'? ?t stand|cannot stand|"
    r"tired of|sick of|don'?t want|no more|none)"
    r"(?: \w+){0,3}\s*$")
# "I never get tired of Hitchcock", "could never dislike Spielberg": a dislike denied is none.
_DENIED_DISLIKE = re.compile(r"\b(?:never|not|no longer|don t|doesn t|didn t|don't|doesn't|didn't)\b(?: \w+){0,2} "
                             r"(?:hate|dislike|tired of|sick of)\b")
_CUE_BEFORE = re.compile(r"\b(?:by|from|directed|written|starring|featuring|directors?|authors?)\s*$")
_CUE_AFTER = re.compile(r"^\s*(?:s|brothers|bros|film|films|movie|movies|picture|pictures|classic|classics|book|books)\b")


def item_values(item: Item, field: str) -> tuple[str, ...]:
    """The item's values for one attribute field ("tags" reads the item's tags)."""
    if field == TAGS:
        return item.tags
    raw = item.extra.get(field)
    if not raw:
        return ()
    return tuple(v.strip() for v in str(raw).split(VALUE_SEPARATOR) if v.strip())


def value_key(value: str) -> str:
    """How values are compared: lowercase words ("Stanley Kubrick" -> "stanley kubrick")."""
    return phrase_words(value)


@dataclass(frozen=True)
class AttributeCondition:
    """`field` is (or, negated, is not) any of `values`."""

    field: str
    values: tuple[str, ...]
    negate: bool = False

    def accepts(self, item: Item) -> bool:
        wanted = {value_key(v) for v in self.values}
        has = any(value_key(v) in wanted for v in item_values(item, self.field))
        return has != self.negate

    def as_dict(self) -> dict:
        return {"field": self.field, "values": list(self.values), "negate": self.negate}



def attribute_fields(items: Iterable[Item]) -> list[str]:
    """The extra fields that hold short names (filterable), in first-seen order."""
    seen: dict[str, list[int]] = {}
    for item in items:
        for field, raw in item.extra.items():
            counts = seen.setdefault(field, [0, 0])
            counts[0] += 1
            values = [v for v in str(raw).split(VALUE_SEPARATOR) if v.strip()]
            if values and all(len(v) <= MAX_VALUE_CHARS and len(v.split()) <= MAX_VALUE_WORDS for v in values):
                counts[1] += 1
    return [field for field, (total, short) in seen.items()
            if short >= 0.9 * total and not re.search(r"(url|link|image|poster|id)$", field.lower())]


@dataclass(frozen=True)
class AttributeMention:
    """Values of one field named in a message, and where."""

    condition: AttributeCondition
    start: int  # word offsets in the message's `phrase_words`
    end: int
    exact: bool  # the whole value was named, not only a surname


class AttributeVocabulary:
    """Finds attribute values in messages, learnt from the catalog's own metadata."""

    def __init__(self, catalog: Catalog, common_words: Iterable[str] = ()):
        """`common_words`: ordinary English words (e.g. the embedding model's vocabulary); a
        surname among them needs a cue, like one the catalog's own prose uses."""
        items = list(catalog.items.values())
        self.fields = attribute_fields(items)
        self.values: dict[str, dict[str, str]] = {}  # field -> value key -> value as written
        self.counts: dict[str, Counter] = {}
        for field in self.fields:
            names: dict[str, str] = {}
            counts: Counter = Counter()
            for item in items:
                for value in item_values(item, field):
                    key = value_key(value)
                    if key:
                        names.setdefault(key, value)
                        counts[key] += 1
            self.values[field] = names
            self.counts[field] = counts
        # Full values, longest first, and surnames (last word of a multi-word value).
        self.full: dict[str, list[tuple[str, str]]] = {}
        self.surnames: dict[str, list[tuple[str, str]]] = {}
        for field, names in self.values.items():
            for key in names:
                self.full.setdefault(key, []).append((field, key))
                words = key.split()
                if len(words) > 1 and len(words[-1]) >= 3 and not words[-1].isdigit():
                    self.surnames.setdefault(words[-1], []).append((field, key))
        self.max_words = max((len(k.split()) for k in self.full), default=0)
        self.surname_list = sorted(self.surnames)
        self.tag_values = {value_key(t): t for item in items for t in item.tags}
        # "a spielberg adventure", "a hitchcock thriller": a genre word after a surname is a cue.
        self.genre_words = frozenset(w for item in items for g in item.genres for w in phrase_words(g).split())
        # Ordinary words: what the catalog's own prose uses in lower case.
        self.common = self._common_words(items) | frozenset(common_words)

    @staticmethod
    def _common_words(items: list[Item]) -> frozenset[str]:
        counts: Counter = Counter()
        for item in items:
            for word in re.findall(r"(?<![A-Za-z'])[a-z]+\b", item.description):
                counts[word] += 1
        return frozenset(counts)

    def __bool__(self) -> bool:
        return bool(self.full)

    def find(self, text: str, written: str = "") -> list[AttributeMention]:
        """Attribute values named in `text`, each with whether it is negated; `written`: the
        message as written, when `text` is its lower-cased reading (a capital is evidence of a name)."""
        if not self.full:
            return []
        words = phrase_words(text).split()
        originals = set(re.findall(r"\b[A-Z][a-z]+", written or text))
        used: set[int] = set()
        found: list[tuple[int, int, str, tuple[str, ...], bool]] = []  # start, end, field, keys, exact
        for start, end, hits in longest_matches(words, self.full, self.max_words, min_size=2):
            for field in dict.fromkeys(f for f, _ in hits):
                found.append((start, end, field, tuple(k for f, k in hits if f == field), True))
            used |= set(range(start, end))
        for n, word in enumerate(words):
            if n in used or len(word) < 3 or word.isdigit():
                continue
            hits = self.surnames.get(word)
            # A misspelt surname is a word the language hardly knows ("spielburg"; wordfreq has
            # common misspellings like "speilberg" at about 1.2); a word it knows ("benders",
            # 2.5) is that word, unless written as a name.
            if hits is None and len(word) >= 5 and word not in self.common \
                    and (zipf_frequency(word, "en") < 2.0 or word.capitalize() in originals):
                close = process.extractOne(word, self.surname_list, scorer=fuzz.ratio, score_cutoff=85)
                hits = self.surnames.get(close[0]) if close else None
            if hits is None:
                single = self.full.get(word)  # one-word values ("Madonna", "French")
                hits = single if single and (word not in self.common or word.capitalize() in originals) else None
                if hits is None:
                    continue
            before = " ".join(words[max(0, n - 3):n])
            after = " ".join(words[n + 1:n + 3])
            cued = bool(_CUE_BEFORE.search(before) or _CUE_AFTER.match(after)
                        or (after.split() or [""])[0] in self.genre_words)
            if word in self.common and not (cued or word.capitalize() in originals):
                continue  # "something wilder" is not Billy Wilder
            used.add(n)
            for field in dict.fromkeys(f for f, _ in hits):
                found.append((n, n + 1, field, tuple(k for f, k in hits if f == field), False))
        found = self._one_field_per_span(found, words)
        out = []
        for start, end, field, keys, exact in sorted(found):
            before = " ".join(words[max(0, start - 5):start])
            negate = bool(_NEGATION.search(before)) and not _DENIED_DISLIKE.search(before)
            values = tuple(self.values[field][k] for k in keys)
            out.append(AttributeMention(AttributeCondition(field, values, negate), start, end, exact))
        return out

    def _one_field_per_span(self, found, words):
        """A value in several fields ("Clint Eastwood" directs and stars): a field named in the
        message ("directed by") decides, else the field where the value is most common."""
        by_span: dict[tuple[int, int], list] = {}
        for entry in found:
            by_span.setdefault((entry[0], entry[1]), []).append(entry)
        out = []
        for (start, _), entries in by_span.items():
            if len(entries) == 1:
                out.append(entries[0])
                continue
            context = words[max(0, start - 4):start + 4]
            named = [e for e in entries if any(_same_stem(w, e[2]) for w in context)]
            pick = named or sorted(entries, key=lambda e: -sum(self.counts[e[2]][k] for k in e[3]))
            out.append(pick[0])
        return out

    def field_for(self, name: str) -> str | None:
        """The catalog field a tool argument names ("Director", "directors", "tags")."""
        if name.strip().lower() == TAGS:
            return TAGS
        key = genre_key(name)
        return next((f for f in self.fields if genre_key(f) == key), None) or \
            next((f for f in self.fields if _same_stem(key.replace("_", ""), f)), None)

    def resolve(self, field: str, values: Iterable[str]) -> tuple[list[str], list[str]]:
        """Values as people write them ("Kubrick", "the Coen brothers") -> the catalog's values;
        plus the ones nothing matched. Tags resolve against the catalog's tags."""
        name = self.field_for(field)
        names = self.tag_values if name == TAGS else self.values.get(name or "", {})
        found: list[str] = []
        missing: list[str] = []
        for value in values:
            key = value_key(value)
            matched = [names[key]] if key in names else []
            if not matched and name != TAGS:
                words = [w for w in key.split() if w not in ("the", "brothers", "bros", "sisters")]
                matched = [names[k] for k in names if words and k.split()[-1] == words[-1]]
            if not matched and names:
                close = process.extractOne(key, list(names), scorer=fuzz.WRatio, score_cutoff=88)
                matched = [names[close[0]]] if close else []
            found += [m for m in matched if m not in found]
            if not matched:
                missing.append(value)
        return found, missing

    def suggest(self, field: str, value: str, limit: int = 3) -> list[str]:
        name = self.field_for(field)
        names = self.tag_values if name == TAGS else self.values.get(name or "", {})
        return [names[k] for k, _, _ in process.extract(value_key(value), list(names), scorer=fuzz.WRatio,
                                                        limit=limit, score_cutoff=50)]

    def field_named(self, text: str) -> str | None:
        """The attribute field a question names ("who directed it?" -> director), if any."""
        for word in phrase_words(text).split():
            for field in self.fields:
                if _same_stem(word, field):
                    return field
        return None


def _same_stem(word: str, field: str) -> bool:
    """"directed" ~ "director", "authors" ~ "author", "languages" ~ "language"."""
    name = genre_key(field).replace("_", "")
    if len(word) < 4 or len(name) < 4:
        return word == name
    common = 0
    for a, b in zip(word, name):
        if a != b:
            break
        common += 1
    return common >= min(6, len(name), len(word)) or word.rstrip("s") == name.rstrip("s")
