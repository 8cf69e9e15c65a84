"""From one message (and what the conversation recalls) to the tool calls a capable LLM would make."""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass, field, replace

from wordfreq import zipf_frequency

from chatrec_agent.catalog import Item, phrase_words
from chatrec_agent.catalog.attributes import AttributeMention, AttributeVocabulary
from chatrec_agent.catalog.mentions import Mention, MentionLinker, tokens
from chatrec_agent.catalog.titles import TitleLinker, normalise_title
from chatrec_agent.conversation.limits import EMPTY, MAX_MESSAGE_CHARS, TOO_LONG
from chatrec_agent.conversation.planner import cues
from chatrec_agent.conversation.planner.carry import within_search
from chatrec_agent.conversation.planner.eras import parse_era
from chatrec_agent.conversation.planner.groups import (GroupAsk, membership_call, personal, read_group, regroup,
                                                       without_mentions)
from chatrec_agent.conversation.planner.lexicon import EXCESS, GENERIC, NEGATION, GenreLexicon, lemma
from chatrec_agent.conversation.planner.meaning import MeaningClassifier
from chatrec_agent.conversation.planner.memory import Recall
from chatrec_agent.conversation.planner.opinions import opinions
from chatrec_agent.conversation.planner.questions import item_question
from chatrec_agent.conversation.planner.references import count_in, ordinal_in, ordinals_in, pick
from chatrec_agent.conversation.planner.spelling import Speller, cue_words
from chatrec_agent.conversation.tool_names import ToolName

HELP = (
    "I recommend films from this catalog and explain why. Try: “what should I watch tonight?”, "
    "“a mind-bending sci-fi from the 90s”, “something like Fargo, no horror”, “give me 3 comedies”, "
    "then “why the second one?”, “something older”, “not those, others”. Tell me what you thought "
    "(“I loved Alien”, “rate Fargo 5”, “seen it”) and I'll learn; “what have I liked?” shows your history."
)
THANKS = "You're welcome! Tell me how it went (“I loved it”, “rate it 4”) and I'll tune the next picks."
GREETING = "Hi! Tell me what you're in the mood for, or ask “what should I watch tonight?”."
DECLINE_ADMIN = ("I can't run admin actions from a conversation. Admins use the slash command "
                 "(/chatrec reindex, status, forget, link) for that.")
DECLINE_OTHERS = "I can only use your own history, not other people's; ask me about your own taste instead."
CHAT = {
    "smalltalk": "Happy to chat! When you're ready, tell me what you're in the mood for: a genre, a film you loved, "
                 "or “surprise me”.",
    "goodbye": "Bye, enjoy the film! Come back and tell me how it went.",
    "acknowledge": "Enjoy! Tell me how it went (“I loved it”, “rate it 4”), or ask for more whenever you like.",
    "out_of_scope": "That's outside what I can help with: I recommend films from this catalog. Tell me what you're in "
                    "the mood for, e.g. “a light comedy from the 90s”.",
}
RESET = "Starting over: I've set aside what we talked about. What are you in the mood for?"


# The titles the message being planned names, found once on its original casing (the linker
# weighs capitals, quotes and years) and read by every rule below; per call, so concurrent
# turns never see each other's.
_MENTIONS: ContextVar[tuple[Mention, ...]] = ContextVar("mentions", default=())


# Capitalised words and a year in parentheses: how people write a title ("Saw (2004)").
_WRITTEN_TITLE = re.compile(r"(?P<t>(?:[A-Z0-9][\w'’:&!.,-]*\s+){0,7}[A-Z0-9][\w'’:&!.-]*)\s*\((?:19|20)\d\d\)")


def _last_search(memory: Recall) -> dict:
    """The arguments of the conversation's latest recommend call that say something."""
    return {k: v for k, v in (memory.last_recommend or {}).items() if v not in (None, [], "")}


def _past_shown(args: dict, memory: Recall) -> dict:
    """`args`, keeping out everything the conversation has shown."""
    return {**args, "exclude": list(dict.fromkeys([*args.get("exclude", []), *memory.shown_ids]))}


def _spans(t: str, decisions: tuple[str, ...] | None = None) -> list[tuple[Mention, tuple[int, int]]]:
    """Where in `t` (lower case) the message's mentions (with these decisions) are written."""
    return [(m, found.span()) for m in _MENTIONS.get() if decisions is None or m.decision in decisions
            for found in re.finditer(rf"(?<!\w){re.escape(m.text.lower())}(?!\w)", t)]


def _folded(text: str) -> str:
    return " " + " ".join(t for t, _, _ in tokens(text)) + " "


def _in(phrase: str, decision: str) -> list[Mention]:
    """The message's mentions with this decision that lie inside the phrase. A kind of film
    ("a superhero movie", "any of the star wars") is never asked about as one film."""
    words = _folded(phrase)
    return [m for m in _MENTIONS.get() if m.decision == decision and _folded(m.text) in words
            and not (decision == "ask" and (m.evidence.get("indefinite") or m.evidence.get("kind_of")))]


def _without_titles(t: str) -> str:
    """The text less the titles it surely names, and the series it may name: their words are
    no genre, era or count ("Paddington 2", "2012", "Scary Movie", "any of the star wars").
    What the clause says of a title goes with it: "Die Hard is a classic" asks for no old films."""
    for m in _MENTIONS.get():
        if m.decision == "link" or (m.decision == "ask" and m.evidence.get("kind_of")):
            t = re.sub(rf"(?<!\w){re.escape(m.text.lower())}(?:\s*\(?\d{{4}}\)?)?(?!\w)"
                       r"(?:\s+(?:is|was|are|were|'s)\b(?:(?!\b(?:but|and|so)\b)[^,.;!?])*)?", " ", t)
    return " ".join(t.split())


def _sentences_of(t: str) -> list[str]:
    """The message's sentences; a title's own full stop ("Mrs. Doubtfire", "Dr. No") ends none."""
    titles = [span for _, span in _spans(t, ("link", "ask"))]
    out, start = [], 0
    for cut in cues.SENTENCE.finditer(t):
        if not any(a <= cut.start() < b for a, b in titles):
            out.append(t[start:cut.start()])
            start = cut.end()
    return [*out, t[start:]]


def _did_you_mean(mentions: list[Mention]) -> Plan:
    """Asks whether the likeliest film is meant; a "yes" next turn confirms it (Recall.pending)."""
    return _did_you_mean_item(mentions[0].item, mentions[0].text)


def _did_you_mean_item(item: Item, span: str) -> Plan:
    label = f"*{item.title}* ({item.year})" if item.year else f"*{item.title}*"
    return Plan(answer=f"Do you mean the film {label}? Say “yes”, or name the film you meant.",
                confirm={"item": item.id, "span": span})


def _merged(first: dict, second: dict) -> dict:
    """Two sentences' constraints as one request: lists joined, bounds and wish from the later
    one where it has them, the count only where one was asked for."""
    out = dict(first)
    for key, value in second.items():
        if isinstance(value, list):
            out[key] = list(dict.fromkeys([*out.get(key, []), *value], ) if key != "attributes" else [*out.get(key, []), *value])
        elif key == "k":
            out[key] = value if value != 5 else out.get(key, value)
        else:
            out[key] = value
    excluded = set(out.get("exclude_genres", []))
    if excluded and out.get("genres"):
        out["genres"] = [g for g in out["genres"] if g not in excluded]
    return {k: v for k, v in out.items() if v not in (None, [], "")}


def _without_interjection(t: str) -> str:
    """"no, a comedy" is a correction, not "no comedy"."""
    return re.sub(r"^(?:no|nope|nah|hmm|ok|okay)\s*[,.!]\s*", "", t)


@dataclass
class Plan:
    tool_calls: list[dict] = field(default_factory=list)  # {"name": ..., "args": {...}}
    answer: str | None = None
    # Calls that need the first ones' results to be in first ("I hated the first one, show me
    # others": the dislike is recorded before the next list is chosen).
    then: list[Plan] = field(default_factory=list)
    # An answer that asks "do you mean the film X?": the item, the words it was read from and
    # (filled in by `plan`) the message, so that a "yes" next turn re-reads it with X confirmed.
    confirm: dict | None = None
    reset: bool = False  # "start over": what came before is set aside (Recall stops reading there)

    def steps(self) -> list[list[dict]]:
        return [self.tool_calls, *(call for plan in self.then for call in plan.steps())] if self.tool_calls else []


class IntentParser:
    def __init__(self, lexicon: GenreLexicon, titles: TitleLinker, linker: MentionLinker, latest_year: int,
                 tags: set[str] = frozenset(),
                 attributes: AttributeVocabulary | None = None, meaning: MeaningClassifier | None = None):
        self.lexicon = lexicon
        self.titles = titles
        self.linker = linker  # which titles a message names, and how surely
        self.count_nouns = frozenset(lexicon.words())  # "3 comedies" counts, "two daughters" doesn't
        self.latest_year = latest_year
        # The catalog's tags, as words: a wish naming one is worth passing on (not "good" or "funny").
        self.tags = {tag for tag in tags if lemma(tag) not in cues.ASKING_WORDS}
        self.attributes = attributes
        self.meaning = meaning  # nearest labelled examples, for follow-ups the rules find no slot in
        self.items: dict[str, Item] = {item.id: item for item in titles.items}
        self.speller = Speller(lexicon.words() | GENERIC | cue_words(),
                               keep={w for key in linker.by_key for w in key.split()} |
                                    {w for key in linker.attributes for w in key.split()})

    def plan(self, text: str, memory: Recall) -> Plan:
        text = self.speller(text.replace("’", "'").replace("‘", "'"))  # "don’t" is "don't"
        pending = memory.pending
        # "Yes I loved that one... The French Connection is another": a yes that goes on to name
        # another film surely answers something else.
        if pending and cues.YES.match(" ".join(text.lower().split())) and \
                not any(m.decision == "link" and m.item.id != pending["item"] for m in self.linker.find(text.strip())):
            # "yes" to "do you mean the film X?": the question's message, with X taken as meant.
            memory = replace(memory, pending=None)
            return self._read(pending["text"], memory, confirmed=(pending["span"], pending["item"]))
        return self._read(text, memory)

    def _read(self, text: str, memory: Recall, confirmed: tuple[str, str] | None = None) -> Plan:
        # A title the bot just showed is one the person may well mean: "not Heat, something newer".
        shown = set(memory.shown_ids)
        mentions = tuple(replace(m, decision="link") if m.decision == "ask" and m.item.id in shown else m
                         for m in self.linker.find(text.strip()))
        if confirmed is not None and confirmed[1] in self.items:
            span, item = confirmed
            mentions = tuple(replace(m, decision="link", items=(self.items[item], *m.items)) if m.text == span else m
                             for m in mentions)
            if not any(m.text == span for m in mentions):  # a typo the linker did not find: take the words
                start = text.find(span)
                mentions += (Mention(start, start + len(span), span, (self.items[item],), 1.0, "link"),) if start >= 0 else ()
        token = _MENTIONS.set(mentions)
        try:
            plan = self._plan(text, memory)
        finally:
            _MENTIONS.reset(token)
        if plan.confirm is not None:
            plan.confirm = {**plan.confirm, "text": text}
        t = " ".join(text.lower().split())
        self._go_on_past_what_they_know(plan, memory)
        if memory.last_recommend and not cues.CORRECTION.match(t):
            for call in (c for step in plan.steps() for c in step if c["name"] == ToolName.RECOMMEND):
                # "I want a feel-good movie" asks anew in its own words; "fun!" goes on with the search.
                if not (call["args"].get("wish") and cues.ASKS.search(t)):
                    within_search(call["args"], memory, self.items)
        self._keep_named_out(plan, [*memory.said, text])
        return plan

    def _go_on_past_what_they_know(self, plan: Plan, memory: Recall) -> None:
        """"One adventure film" … "seen it": when every pick of the last list is one they have
        seen or disliked, the list is used up, and the search goes on past it, as a person who
        recommends would offer the next one. (While picks are left, feedback is only recorded.)
        So it does after a dislike of films that were not picks ("I didn't care for The
        Campaign"): said in the middle of a search, it is a reason to go on."""
        shown = {card["id"] for card in memory.last_shown}
        if plan.then or not plan.tool_calls or memory.last_recommend is None or memory.list_tool != ToolName.RECOMMEND:
            return
        if not all(c["name"] == ToolName.RECORD_FEEDBACK for c in plan.tool_calls):
            return
        said = {c["args"]["item"]: c["args"].get("kind") for c in plan.tool_calls}
        used_up = all(kind in ("seen", "disliked") and item in shown for item, kind in said.items()) and shown <= said.keys()
        if used_up or all(kind == "disliked" and item not in shown for item, kind in said.items()):
            plan.then = [self._call(ToolName.RECOMMEND, **_past_shown(_last_search(memory), memory))]

    def _keep_named_out(self, plan: Plan, said: list[str]) -> None:
        """The films a person named in this conversation, even unsure ones, are never their picks:
        they know them already (liked, disliked or "on my list")."""
        named: list[str] = []
        for text in said:
            for m in self.linker.find(text.strip()):
                named.append(m.item.id)
                if m.evidence.get("kind_of"):  # "the Despicable Me movies": the whole series
                    head = normalise_title(m.text)
                    named += [i.id for i, key in zip(self.titles.items, self.titles.keys) if key.startswith(head)]
            # "Aladin (2009)", "The Patriots (1994)": written as a title, spelt otherwise than the
            # catalog. Keeping a film out costs little, so the closest title is kept out too.
            for written in _WRITTEN_TITLE.finditer(text):
                if close := self.linker.closest(written.group("t")):
                    named.append(close[0].id)
        named = list(dict.fromkeys(named))
        if not named:
            return
        for call in (c for step in plan.steps() for c in step):
            if call["name"] in (ToolName.RECOMMEND, ToolName.RECOMMEND_FOR_GROUP):
                args = call["args"]
                out = [i for i in named if i not in args.get("like", []) and i not in args.get("exclude", [])]
                if out:
                    args["exclude"] = [*args.get("exclude", []), *out]

    def _count(self, t: str) -> int:
        """How many picks the text asks for; a title's digits ("Paddington 2") are no count."""
        return count_in(_without_titles(t), nouns=self.count_nouns)

    def _named(self, phrase: str) -> list[Item]:
        """The catalog items the phrase surely names (see catalog/mentions.py)."""
        return [m.item for m in _in(phrase, "link")]

    def _plan(self, text: str, memory: Recall) -> Plan:
        raw = text.strip()
        if not raw:
            return Plan(answer=EMPTY)
        if len(raw) > MAX_MESSAGE_CHARS:
            return Plan(answer=TOO_LONG)
        t = " ".join(raw.lower().split())
        if cues.RESET.match(t):
            return Plan(answer=RESET, reset=True)
        if cues.ADMIN.search(t):
            return Plan(answer=DECLINE_ADMIN)
        if cues.OTHERS.search(raw.lower()):
            return Plan(answer=DECLINE_OTHERS)
        if cues.HELP.match(t):
            return Plan(answer=HELP)
        if (m := cues.GREETING.match(t)) and len(t.split()) <= 4:
            rest = t[m.end():].strip(" ,.!?…")
            # "Hi, seeking a drama." greets and asks: the request is answered.
            if not rest or not (self._has_slots(rest) or cues.SEEKING.search(rest)):
                return Plan(answer=THANKS if cues.THANKS.match(t) else GREETING)
            t = rest
        # "did I like Fargo?" asks the history; "my favourites are X, Y" is a taste.
        if cues.HISTORY.search(t) and not cues.REQUEST.search(t) and (not _in(t, "link") or cues.QUESTION.match(t) or cues.WH_QUESTION.match(t)):
            return self._call(ToolName.USER_HISTORY)
        alone = personal(t, memory)
        if alone is not None:  # "just for me": back from the group's list to the speaker's own
            rest, last = alone
            plan = (self._compound(rest, memory) or self._single(rest, memory, raw)) if re.sub(r"[\W_]+", "", rest) else None
            # Nothing asked besides: the group's request, for the speaker alone.
            return self._call(ToolName.RECOMMEND, **last) if plan is None or self._bare(plan) else plan
        ask = read_group(t, memory)
        if ask is not None:
            return self._for_group(ask, memory, without_mentions(raw))
        sentences = [x for x in _sentences_of(t) if re.search(r"\w", x)]
        if len(sentences) > 1:
            return self._sentences(sentences, memory, raw)
        return self._one(t, memory, raw)

    def _one(self, t: str, memory: Recall, raw: str = "") -> Plan:
        chat = self._chat(t)
        if chat is not None:
            # "I've seen that one, too dry for me" reads like a reaction, and says something of a film.
            feedback = self._feedback(t, memory)
            return feedback if feedback is not None and feedback.tool_calls else chat
        compound = self._compound(t, memory)
        if compound is not None:
            return compound
        return self._single(t, memory, raw)

    def _sentences(self, sentences: list[str], memory: Recall, raw: str) -> Plan:
        """A message of several sentences ("I liked The Notebook. Any movies like that?"), read one
        by one: what it says of films is recorded first, in order; then the request it makes
        answers (the one with most to go on, the later on a tie). Small talk between is dropped."""
        feedback: list[dict] = []
        request: Plan | None = None
        weight = -1
        answer: Plan | None = None
        for sentence in sentences:
            plan = self._one(sentence, memory, raw)
            if plan.answer is not None:
                if plan.confirm is not None or (answer is None and plan.answer not in CHAT.values()):
                    answer = answer if answer is not None and answer.confirm is not None else plan
                continue
            calls, then = plan.tool_calls, plan.then
            if calls and calls[0]["name"] == ToolName.RECORD_FEEDBACK:
                feedback += [c for c in calls if c not in feedback]
                last = calls[-1]["args"]["item"]
                memory = replace(memory, last_item=self._card(last) or memory.last_item)
                calls, then = (then[0].tool_calls, then[0].then) if then else ([], [])
            if not calls or (self._bare(Plan(calls)) and not (cues.ASKS.search(sentence) or cues.REQUEST.search(sentence) or "?" in sentence)):
                continue  # "That was a great movie, I agree!": said of a film, no request
            if request is not None and calls[0]["name"] == request.tool_calls[0]["name"] == ToolName.RECOMMEND and not then:
                # "Action... Something like The Rundown": one request, said in two sentences.
                request = Plan([{"name": ToolName.RECOMMEND, "args": _merged(request.tool_calls[0]["args"], calls[0]["args"])}])
                continue
            args = calls[0]["args"]
            richness = len(set(args) - {"k", "wish"}) + bool(args.get("wish")) if calls[0]["name"] == ToolName.RECOMMEND else 5
            if richness >= weight:
                request, weight = Plan(calls, then=then), richness
        # "…Well, that is all for now. Have a good day!": a message that ends in goodbye, asking
        # nothing and naming no genre or era, closes the conversation ("I like comedies. Thanks!"
        # does not); what its other sentences said of films still counts.
        if plan.answer == CHAT["goodbye"] and not any(
                cues.ASKS.search(s) or cues.REQUEST.search(s) or "?" in s or self.lexicon.parse(s)[0]
                or any(parse_era(s, self.latest_year)) for s in sentences):
            return Plan(feedback) if feedback else plan
        if feedback:
            return Plan(feedback, then=[request] if request is not None else [])
        if request is not None:
            return request
        return answer if answer is not None else self._one(" ".join(sentences), memory, raw)

    def _chat(self, t: str) -> Plan | None:
        """Small talk, goodbyes, reactions that ask for nothing and questions out of scope: by
        meaning, and only for messages with nothing a request could use (no title, genre, era,
        attribute, count or reference), so "what's a good comedy?" stays a request."""
        if self.meaning is None or self._has_slots(t):
            return None
        meaning = self.meaning.classify(t)
        return Plan(answer=CHAT[meaning.intent]) if meaning is not None and meaning.intent in CHAT else None

    def _has_slots(self, t: str) -> bool:
        return bool(_MENTIONS.get() or any(self.lexicon.parse(t)) or any(parse_era(t, self.latest_year))
                    or self._mentions(t) or ordinal_in(t) is not None or cues.REQUEST.search(t)
                    or any(f" {tag} " in f" {phrase_words(t)} " for tag in self.tags if len(tag) > 3))

    def _for_group(self, ask: GroupAsk, memory: Recall, raw: str) -> Plan:
        """A group request: its words read by the usual rules, its calls made the group's."""
        if ask.membership_only and memory.last_group is not None:
            return Plan(tool_calls=[membership_call(ask, memory)])
        if ask.rest:
            plan = self._compound(ask.rest, memory) or self._single(ask.rest, memory, raw)
        else:
            plan = self._call(ToolName.RECOMMEND)
        if plan.answer is not None:
            return plan

        def grouped(p: Plan) -> Plan:
            return Plan(regroup(p.tool_calls, ask, memory), p.answer, [grouped(t) for t in p.then])

        return grouped(plan)

    def _single(self, t: str, memory: Recall, raw: str = "") -> Plan:
        if m := cues.CORRECTION.match(t):
            rest = t[m.end():].strip()
            if rest and not cues.ONLY.search(rest):
                return self._recommend(rest, memory, raw)  # "scratch that, a comedy": a new request
            t = rest or t
        for planner in (self._feedback, self._why, self._question, self._more_like,
                        lambda t, memory: self._follow_up(t, memory, raw), self._search):
            plan = planner(t, memory)
            if plan is not None:
                return plan
        plan = self._recommend(t, memory, raw)
        if not self._bare(plan):
            return plan
        if (memory.last_item or memory.last_shown) and len(t.split()) <= 10 and (by_meaning := self._by_meaning(t, memory)):
            return by_meaning
        args = plan.tool_calls[0]["args"]
        if "wish" not in args and memory.last_recommend is not None and memory.last_shown:
            # "Any suggestion for me?", "what else would you suggest?": asking again in the middle
            # of a search goes on with it, past what was shown.
            return self._call(ToolName.RECOMMEND, **_past_shown({**_last_search(memory), "k": args.get("k", 5)}, memory))
        return plan

    @staticmethod
    def _bare(plan: Plan) -> bool:
        """A request the rules found no slot in: nothing but a wish and a count."""
        return len(plan.tool_calls) == 1 and plan.tool_calls[0]["name"] == ToolName.RECOMMEND and \
            set(plan.tool_calls[0]["args"]) <= {"wish", "k"}

    def _by_meaning(self, t: str, memory: Recall) -> Plan | None:
        """"anything similar?", "and who made it?", "got other ones?": decided by the nearest
        labelled examples, about what the conversation just showed."""
        if self.meaning is None:
            return None
        meaning = self.meaning.classify(t)
        if meaning is None or meaning.intent == "request":
            return None
        target = (memory.last_item or {}).get("id") or (memory.last_shown[0]["id"] if len(memory.last_shown) == 1 else None)
        if meaning.intent == "like_last" and target is None and memory.last_recommend is not None:
            meaning = replace(meaning, intent="others")  # "some more?" after a list: more of that search
        if meaning.intent == "others" and memory.last_recommend is not None:
            return self._call(ToolName.RECOMMEND, **_past_shown(_last_search(memory), memory))
        if meaning.intent in ("like_last", "item_question") and target is None:
            return Plan(answer="Which one do you mean? Say e.g. “the second one”.")
        if meaning.intent == "like_last":
            return self._call(ToolName.RECOMMEND, like=[target], k=self._count(t))
        if meaning.intent == "item_question":
            question = item_question(re.sub(r"^(?:and|so|ok|okay|but|then)\s+", "", t), self.attributes, True)
            return self._call(ToolName.ITEM_DETAILS, item=target, fields=list(question.fields) if question else [])
        return None

    def _compound(self, t: str, memory: Recall) -> Plan | None:
        """Feedback and a request in one message: "I hated the first one, show me others"."""
        for m in cues.SPLIT.finditer(t):
            head, tail = t[:m.start()].strip(), t[m.end():].strip()
            if not head or not tail or not (cues.REQUEST.search(tail) or cues.OTHERS_AGAIN.search(tail) or cues.LIKE_THAT.search(tail)):
                continue
            feedback = self._feedback(head, memory)
            if feedback is None or not feedback.tool_calls or feedback.tool_calls[0]["name"] != ToolName.RECORD_FEEDBACK:
                continue  # "I like comedies, anything new?" is one request, read whole below
            item = feedback.tool_calls[0]["args"]["item"]
            after = replace(memory, last_item=self._card(item) or memory.last_item)
            return Plan(feedback.tool_calls, then=[self._single(tail, after)])
        return None

    def _card(self, item_id: str) -> dict | None:
        item = self.items.get(item_id)
        return None if item is None else {"id": item.id, "title": item.title, "year": item.year, "genres": list(item.genres)}

    # --- pieces ------------------------------------------------------------------------

    @staticmethod
    def _call(name: ToolName, **args) -> Plan:
        return Plan(tool_calls=[{"name": name, "args": args}])

    def _target(self, phrase: str | None, memory: Recall, write: bool = False) -> str | None:
        """An item named by position ("the third one"), pronoun ("it") or title; None if unclear.
        `write`: for feedback, where only a sure title counts; a question may take the likeliest
        film, since the answer names it."""
        phrase = (phrase or "").strip(" .!?")
        position = ordinal_in(phrase) if phrase else None
        if position is not None:
            card = pick(memory.last_shown, position)
            return None if card is None else card["id"]
        if not phrase or cues.PRONOUN.match(phrase):
            # "Jaws is a classic, anything like it?": a film the message names comes first (for a
            # write, only a sure one).
            named = [m.item.id for m in _MENTIONS.get()
                     if m.decision == "link" or (m.decision == "ask" and not write and not m.evidence.get("year_clash"))]
            if phrase and named:
                return named[-1]
            if memory.last_item:
                return memory.last_item["id"]
            # "seen it" after a list of five: a question may take the first, a write never guesses.
            if (len(memory.last_shown) == 1 or (memory.last_shown and not write)) and phrase:
                return memory.last_shown[0]["id"]
            return None
        named = self._named(phrase) or ([] if write else [m.item for m in _in(phrase, "ask")])
        if named:
            return named[0].id  # "toy story a lot": the title inside the phrase
        if re.match(r"(?:it|that|this|them|those|these)\b", phrase):
            return self._target("it", memory, write)  # "it a lot", "that one too", "it's great"
        if _in(phrase, "ask"):
            return None  # unsure: the caller asks
        # Maybe a title the linker could not weigh, or one with a typo: the tool takes an exact
        # title only, and offers close matches for anything else.
        return phrase if len(phrase.split()) <= 8 and self._title_attempt(phrase) else None

    def _feedback(self, t: str, memory: Recall) -> Plan | None:
        if cues.WHY.search(t) or cues.QUESTION.match(t) or cues.WH_QUESTION.match(t) or cues.HYPOTHETICAL.search(t):
            return None  # "why would I like it?", "what else would I like?" are questions, not feedback
        for pattern in cues.RATE:
            if m := pattern.search(t):
                unsure = _in(m.group("t"), "ask")
                if unsure and _folded(unsure[0].text) == _folded(m.group("t")):
                    # "rate Fargo 5": the slot holds only a title, so the title is meant.
                    return self._call(ToolName.RECORD_FEEDBACK, item=unsure[0].item.id, kind="rated", rating=float(m.group("n")))
                if unsure:
                    return _did_you_mean(unsure)
                target = self._target(m.group("t"), memory, write=True)
                if target:
                    return self._call(ToolName.RECORD_FEEDBACK, item=target, kind="rated", rating=float(m.group("n")))
        for pattern, kind in ((cues.DISLIKED, "disliked"), (cues.DISLIKED_REF, "disliked"), (cues.LIKED, "liked"), (cues.LIKED_REF, "liked")):
            m = pattern.search(t)
            if not m:
                continue
            phrase = m.group("t")
            if len(positions := ordinals_in(t)) > 1 and memory.last_shown:
                return self._each_position(t, positions, kind, memory)
            if kind == "liked" and re.match(r"(something|anything|a |an |some |films?|movies?|to )", phrase):
                return None  # "I'd like something funny" is a request, not feedback
            if self._named(phrase):  # every film the sentence names: "not into Saw but I did like Alien"
                return self._taste(t, self._named(t), kind, memory)
            if _in(phrase, "ask"):
                return (_did_you_mean(_in(phrase, "ask")))  # never recorded from an unsure link
            genres = self.lexicon.parse(_without_titles(phrase))[0]
            # "I loved the second one" points into the last list; "I like comedies" is a taste, so a request.
            points = ordinal_in(phrase) is not None and bool(memory.last_shown)
            if not points and (genres or self._has_slots(phrase)):
                plan = self._recommend(t, memory)
                args = plan.tool_calls[0]["args"] if plan.tool_calls else None
                if args is not None and kind == "disliked":
                    args["genres"] = [g for g in args.get("genres", []) if g not in genres]
                    args["exclude_genres"] = list(dict.fromkeys([*args.get("exclude_genres", []), *genres]))
                    args = {k: v for k, v in args.items() if v not in (None, [], "")}
                    plan.tool_calls[0]["args"] = args
                return plan
            target = self._target(phrase, memory, write=True)
            if target:
                return self._call(ToolName.RECORD_FEEDBACK, item=target, kind=kind)
        if (m := cues.SEEN.search(t)) and not re.match(r"(?:any|anything|something|some|a|an)\b", m.group("t") or ""):
            if re.search(r"\bhaven'?t\b|\bnot seen\b|\bnever (seen|watched)\b", t):
                return None
            if unsure := _in(m.group("t") or "", "ask"):
                return _did_you_mean(unsure)
            if self._named(m.group("t") or ""):  # "I just saw Heat and loved it": each film as its clauses say
                return self._taste(t, self._named(t), "seen", memory)
            phrase = m.group("t") or ""
            if re.match(r"(?:ones?)?\s*(?:[,.;!?…]|$)", phrase):
                phrase = ""  # "seen that one, too dry for me": the film just talked about
            target = self._target(phrase or "it", memory, write=True)
            if target:
                return self._call(ToolName.RECORD_FEEDBACK, item=target, kind="seen")
            return Plan(answer="Which one have you seen? Say e.g. “seen the second one”.")
        # No cue phrase matched, yet the films named may have opinion words of their own ("we
        # loved Heat", "they didn't care for Fargo"): each is read by its clause.
        if named := self._named(t):
            said = opinions(t, [self._span(t, i) for i in named], None)
            if any(opinion in ("liked", "disliked", "seen") for opinion in said):
                return self._taste(t, named, None, memory)
        return None

    def _taste(self, t: str, titles: list[Item], kind: str, memory: Recall) -> Plan:
        """"I like Ghostbusters II (1989) and Saw (2004)": each film recorded as its clause says
        ("…but not Alien" is a dislike, see opinions.py), and picks like the liked ones in the
        same turn, as a person who recommends would answer."""
        said = dict(zip((i.id for i in titles), opinions(t, [self._span(t, i) for i in titles], kind)))
        series = {m.item.id for m in _MENTIONS.get() if m.names_a_series}
        feedback = [{"name": ToolName.RECORD_FEEDBACK, "args": {"item": item, "kind": opinion}}
                    for item, opinion in said.items() if opinion in ("liked", "disliked", "seen") and item not in series]
        liked = [item for item, opinion in said.items() if opinion in ("liked", "seed")]
        if not liked:
            # "I recently watched John Wick 2": films like it, as a person who recommends would
            # offer (recorded as seen, never as liked); a film of the list just shown only records.
            liked = [item for item, opinion in said.items() if opinion == "seen" and item not in memory.shown_ids]
            if not liked or said.keys() - set(liked):
                if not feedback:
                    return self._recommend(t, memory)
                # "I didn't like Home Alone, any horror films?": what else it asks is answered too.
                own = self._recommend(t, memory)
                asks = own.tool_calls and set(own.tool_calls[0]["args"]) - {"k", "wish", "exclude", "like"} and \
                    (cues.ASKS.search(t) or cues.REQUEST.search(t) or "?" in t)
                return Plan(feedback, then=[own]) if asks else Plan(feedback)
        picks = self._recommend(t, memory)
        if picks.tool_calls:
            args = picks.tool_calls[0]["args"]
            args["like"] = [i for i in dict.fromkeys([*args.get("like", []), *liked]) if i in liked or said.get(i, "liked") in ("liked", "seed")]
            args.pop("wish", None)  # "I loved X": the films are the request, not the words
        return Plan(feedback, then=[picks]) if feedback else picks

    @staticmethod
    def _each_position(t: str, positions: list[tuple[int, int, int]], kind: str, memory: Recall) -> Plan | None:
        """"loved the first, not so much the third": each film shown there, as its clause says."""
        said = opinions(t, [(a, b) for a, b, _ in positions], kind)
        feedback = [{"name": ToolName.RECORD_FEEDBACK, "args": {"item": card["id"], "kind": opinion}}
                    for (_, _, n), opinion in zip(positions, said) if opinion and (card := pick(memory.last_shown, n))]
        return Plan(feedback) if feedback else None

    @staticmethod
    def _span(t: str, item: Item) -> tuple[int, int]:
        """Where the message names the item (as the linker found it written); (-1, -1) if nowhere."""
        return next((span for m, span in _spans(t) if m.item.id == item.id), (-1, -1))

    def _why(self, t: str, memory: Recall) -> Plan | None:
        if m := cues.WOULD_I.match(t):
            target = self._target(m.group("t"), memory)
            if not target:
                return None
            return Plan(tool_calls=[{"name": ToolName.EXPLAIN, "args": {"item": target}},
                                    {"name": ToolName.ITEM_DETAILS, "args": {"item": target, "fields": ["predicted_stars"]}}])
        if not cues.WHY.search(t):
            return None
        rest = re.sub(r".*\bwhy\b( (did|do|would|should) you (recommend|suggest|pick|choose))?( (is|was))?"
                      r"( (would|will|do|should|might) i (like|love|enjoy|watch|see))?", "", t).strip(" ?.!")
        target = self._target(rest or "it", memory) if (rest or memory.last_shown) else None
        if not target:
            return Plan(answer="Why which one? Ask for recommendations first, then “why the second one?”.")
        return self._call(ToolName.EXPLAIN, item=target)

    def _question(self, t: str, memory: Recall) -> Plan | None:
        """"who directed it?", "what's Heat about?", "is the second one a comedy?": the record answers."""
        named = self._named(t)
        untitled = normalise_title(t)
        for item in named:
            untitled = untitled.replace(normalise_title(item.title), " ")
        question = item_question(t, self.attributes, bool(named), untitled)
        if question is None:
            return None
        target = named[0].id if named else self._target(question.reference, memory)
        if target is None:
            return Plan(answer="Which film do you mean? Name a title, or ask about “the second one”.")
        args: dict = {"item": target, "fields": list(question.fields)}
        if question.genre_check:
            genres = self.lexicon.parse(question.genre_check)[0]
            args["check"] = genres[0] if genres else question.genre_check
        return self._call(ToolName.ITEM_DETAILS, **args)

    def _more_like(self, t: str, memory: Recall) -> Plan | None:
        m = cues.MORE_LIKE.search(t)
        if not m:
            return None
        phrase = m.group("t").strip(" ?.!")
        if ordinal_in(phrase) is not None or cues.PRONOUN.match(phrase):
            target = self._target(phrase, memory)
            if target:
                return self._call(ToolName.SIMILAR_ITEMS, items=[target], k=self._count(t))
        return None  # titles: a personal recommend with like=[...] (below)

    def _follow_up(self, t: str, memory: Recall, raw: str = "") -> Plan | None:
        if memory.last_recommend is None:
            return None
        if cues.REJECTION.match(t):
            return self._rejected(t, memory, raw)
        shown = set(memory.shown_ids)
        if any(m.decision == "link" and m.item.id not in shown for m in _MENTIONS.get()):
            return None  # "something like Alien, no horror", "Die Hard is a classic": anchored on a new title
        args = _last_search(memory)
        if cues.COUNT_ONLY.match(t):  # "just give me two": every other constraint stays
            args["k"] = self._count(t)
            if re.search(r"\b(more|other|others|else|different|new)\b", t):  # "give me 2 more": not those again
                args = _past_shown(args, memory)
            return self._call(ToolName.RECOMMEND, **args)
        if cues.FEWER.match(t):
            args["k"] = max(1, min(int(args.get("k", 5)), len(memory.last_shown) or 5) // 2)
            return self._call(ToolName.RECOMMEND, **args)
        years = [c["year"] for c in memory.last_shown if c.get("year")]
        changed = False
        mentions = self._mentions(t)
        if mentions and (len(t.split()) <= 8 or cues.ONLY.search(t) or cues.REFINE_OPENER.search(t)):
            # "only Kubrick", "nothing by Spielberg", "what about Hitchcock?": the list's other
            # constraints stay, this field's condition is replaced.
            fields = {m.condition.field for m in mentions}
            kept = [a for a in args.get("attributes", []) if a["field"] not in fields]
            args["attributes"] = kept + [m.condition.as_dict() for m in mentions]
            if not cues.ONLY.search(t):
                args.pop("like", None)  # "what about Hitchcock?" is no longer "like Fargo"
            changed = True
        # "something more recent" than a list that reaches the catalog's newest year: its last years.
        if cues.OLDER.search(t) and years:
            args.pop("year_from", None)
            args["year_to"] = min(years) - 1
            changed = True
        elif cues.NEWER.search(t) and years:
            args.pop("year_to", None)
            args["year_from"] = min(max(years) + 1, self.latest_year - 2)
            changed = True
        genres, excluded = self.lexicon.parse(_without_interjection(t))
        year_from, year_to = parse_era(t, self.latest_year)
        era = year_from is not None or year_to is not None
        refining = bool(cues.ONLY.search(t) or cues.REFINE_OPENER.search(t)) or (not genres and len(t.split()) <= 6)
        if era and refining and not changed:
            # "no, something from the 2010s" / "only comedies from the 80s": the same list, another era.
            args.pop("year_from", None)
            args.pop("year_to", None)
            args.update({k: v for k, v in (("year_from", year_from), ("year_to", year_to)) if v is not None})
            changed = True
        if cues.ONLY.search(t) and genres:
            # "only comedies" narrows the current list: its genres and the new ones.
            args["genres"] = list(dict.fromkeys(list(args.get("genres", [])) + genres))
            changed = True
        elif era and changed and genres and cues.REFINE_OPENER.search(t):
            args["genres"] = genres  # "no, a comedy from the 80s": the genre is replaced too,
            args.pop("wish", None)  # and the old wish went with the old genre
        elif excluded and len(t.split()) <= 5:
            args["exclude_genres"] = sorted(set(args.get("exclude_genres", [])) | set(excluded))
            # "no comedies" after "a comedy": the exclusion wins over the old genre.
            kept = [g for g in args.get("genres", []) if g not in excluded]
            if kept:
                args["genres"] = kept
            else:
                args.pop("genres", None)
            changed = True
        others = bool(cues.OTHERS_AGAIN.search(t))
        if not (changed or others):
            return None
        if others:  # "not those": everything shown so far is out; a refinement keeps them eligible
            args = _past_shown(args, memory)
        if re.search(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|couple|few)\b", t):
            args["k"] = self._count(t)
        return self._call(ToolName.RECOMMEND, **args)

    def _rejected(self, t: str, memory: Recall, raw: str = "") -> Plan:
        """"no, not those — more like Forrest Gump", "nope, it's a sci-fi too", "close, but
        late 90s": still looking for the same thing. What was shown is out; what the message
        adds (genre, era, director, a title to be like, a tag) joins the constraints."""
        rest = t
        while m := cues.REJECTION.match(rest):
            rest = rest[m.end():].strip(" ,.;:!-–—")
        args = _past_shown(_last_search(memory), memory)
        if not rest or cues.OTHERS_AGAIN.fullmatch(rest):
            return self._call(ToolName.RECOMMEND, **args)
        additive = bool(re.search(r"\b(?:too|also|as well|both|plus|and)\b", rest))
        mentions = self._mentions(rest)
        if mentions:
            fields = {m.condition.field for m in mentions}
            args["attributes"] = [a for a in args.get("attributes", []) if a["field"] not in fields] + \
                [m.condition.as_dict() for m in mentions]
        # Parsed with its opening: "not really into horror, what about thrillers?" rules horror out.
        genres, excluded = self.lexicon.parse(self._without_mentions(_without_interjection(t), mentions))
        if genres:
            args["genres"] = list(dict.fromkeys([*args.get("genres", []), *genres])) if additive else genres
            if not additive:
                args.pop("wish", None)  # the old wish went with the old genre
        if excluded:
            args["exclude_genres"] = sorted(set(args.get("exclude_genres", [])) | set(excluded))
            args["genres"] = [g for g in args.get("genres", []) if g not in excluded]
        year_from, year_to = parse_era(rest, self.latest_year)
        years = [c["year"] for c in memory.last_shown if c.get("year")]
        if year_from is not None or year_to is not None:
            args.pop("year_from", None)
            args.pop("year_to", None)
            args.update({k: v for k, v in (("year_from", year_from), ("year_to", year_to)) if v is not None})
        elif cues.OLDER.search(rest) and years:
            args.pop("year_from", None)
            args["year_to"] = min(years) - 1
        elif cues.NEWER.search(rest) and years:
            args.pop("year_to", None)
            args["year_from"] = min(max(years) + 1, self.latest_year - 2)
        like = []
        if (m := cues.LIKE.search(rest)) and not cues.ERA_WORDS.search(m.group("t")):
            like = [i.id for i in self._named(m.group("t"))]
        like = like or [i.id for i in self._named(rest)]
        if like:
            args["like"] = list(dict.fromkeys([*args.get("like", []), *like]))
        padded = f" {phrase_words(rest)} "
        if any(f" {tag} " in padded for tag in self.tags):
            args["wish"] = rest  # a catalog tag named: the new words are the wish now
        if re.search(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|couple|few)\b", rest) and \
                year_from is None and year_to is None:
            args["k"] = self._count(rest)
        args = {k: v for k, v in args.items() if v not in (None, [], "")}
        return self._call(ToolName.RECOMMEND, **args)

    def _search(self, t: str, memory: Recall) -> Plan | None:
        m = cues.SEARCH.match(t) or cues.IN_CATALOG.match(t)
        if not m:
            return None
        query = m.group("q").strip()
        if re.match(r"(your|a good|good|the best|popular|trending|worth)\b", query):
            return None  # "what's your favourite movie?", "is there a good thriller?": a request
        if cues.PRONOUN.match(query) or ordinal_in(query) is not None:  # "tell me about it": the item just talked about
            target = self._target(query, memory)
            return self._call(ToolName.ITEM_DETAILS, item=target, fields=[]) if target else Plan(answer="About which one? Name a title.")
        match = self.titles.resolve(query)
        if match is None and (memory.last_item or memory.last_shown):
            by_meaning = self._by_meaning(t, memory)  # "what's the story?" is about the item in hand
            if by_meaning is not None:
                return by_meaning
        if match is None and not any(lemma(w) not in cues.ASKING_WORDS and w not in cues.KINDS for w in phrase_words(query).split()):
            return None  # "do you have any good recommendations?": a request with nothing to search
        if match is None and (self.lexicon.parse(query)[0] or self._mentions(query) or len(query.split()) > 4):
            return None  # "is there a good sci-fi from the 90s?", "do you have anything by Kubrick?": requests
        if match is not None and re.match(r"^(?:tell me about|what is|what's)\b", t):
            return self._call(ToolName.ITEM_DETAILS, item=match.item.id, fields=[])  # "tell me about Inception"
        return self._call(ToolName.SEARCH_CATALOG, query=query)

    def _mentions(self, t: str) -> list[AttributeMention]:
        """Attribute values named in the text, minus those inside a title it names ("Hitchcock"
        the film, in "something like Hitchcock")."""
        if not self.attributes:
            return []
        mentions = self.attributes.find(t)
        if mentions and (m := cues.LIKE.search(t)) and self._named(m.group("t")):
            title_words = set(phrase_words(m.group("t")).split())
            words = phrase_words(t).split()
            mentions = [x for x in mentions if not set(words[x.start:x.end]) <= title_words]
        return mentions

    def _referenced(self, t: str, memory: Recall) -> tuple[list[str], list[dict], dict]:
        """What "along those lines", "that director", "the same era" point at, from the item
        the conversation just talked about: (like ids, attribute conditions, other constraints: years, genre)."""
        item = self.items.get((memory.last_item or {}).get("id", "")) if memory.last_item else None
        if item is None and memory.last_shown:
            item = self.items.get(memory.last_shown[0]["id"]) if len(memory.last_shown) == 1 else None
        if item is None:
            if memory.last_shown and cues.LIKE_THOSE.search(t):
                # "a few more just like those": the whole list as seeds, within the search it answered.
                carried = {k: v for k, v in _last_search(memory).items() if k in cues.CARRIED}
                return [card["id"] for card in memory.last_shown], [], carried
            return [], [], {}
        like = [item.id] if cues.LIKE_THAT.search(t) else []
        conditions: list[dict] = []
        constraints: dict = {}
        for m in cues.REF_FIELD.finditer(t):
            what = m.group("what")
            field = self.attributes.field_named(what) if self.attributes else None
            if field and item.extra.get(field):
                values = self.attributes.resolve(field, [item.extra[field]])[0] if self.attributes else []
                conditions.append({"field": field, "values": values or [item.extra[field]], "negate": False})
            elif what in ("era", "decade", "period", "time") and item.year:
                constraints.update(year_from=item.year // 10 * 10, year_to=item.year // 10 * 10 + 9)
            elif what == "year" and item.year:
                constraints.update(year_from=item.year, year_to=item.year)
            elif what in ("genre", "genres", "kind", "type", "sort") and item.genres:
                constraints.setdefault("genres", list(item.genres[:1]))
        return like, conditions, constraints

    def _recommend(self, t: str, memory: Recall, raw: str = "") -> Plan:
        args: dict = {}
        bare = _without_titles(t)  # a title's words are no genre, era or count
        mentions = self._mentions(t)
        if mentions:
            args["attributes"] = [m.condition.as_dict() for m in mentions]
        like_ref, ref_conditions, ref_constraints = self._referenced(t, memory)
        if ref_conditions:
            args["attributes"] = args.get("attributes", []) + ref_conditions
        genres, excluded = self.lexicon.parse(_without_interjection(bare))
        if genres:
            args["genres"] = genres
        excluded = excluded + [g for g in self.lexicon.mood_exclusions(bare, genres) if g not in excluded]
        if excluded:
            args["exclude_genres"] = excluded
        year_from, year_to = parse_era(bare, self.latest_year)
        if year_from is not None:
            args["year_from"] = year_from
        if year_to is not None:
            args["year_to"] = year_to
        for key, value in ref_constraints.items():
            args.setdefault(key, value)
        like: list[str] = list(like_ref)
        m = cues.LIKE.search(t)
        if not like and m and not re.match(r"(my|what i|the ones i|that|this|it|those|them)\b", m.group("t").strip()):
            phrase = self._through_titles(t, m.start("t"), m.end("t"))
            found = self._compared(phrase)
            if isinstance(found, Plan):
                return found
            # "nothing like Fifty Shades": a comparison its clause negates seeds nothing.
            known = [i for i in found if i in self.items]  # the rest: titles the catalog may lack
            said = dict(zip(known, opinions(t, [self._span(t, self.items[i]) for i in known], "seed")))
            like = [i for i in found if said.get(i, "seed") in ("seed", "liked", "seen") or self._span(t, self.items[i])[0] < 0]
        if not like:  # the films the message names, but those it says they dislike or haven't seen
            named = self._named(t)
            said = opinions(t, [self._span(t, i) for i in named], "seed")
            like = [i.id for i, opinion in zip(named, said)
                    if opinion in ("seed", "liked", "seen") or (opinion is None and cues.LIKE_THAT.search(t))]
        seeds = [self.items[i] for i in like if i in self.items]
        if seeds and "year_from" not in args and "year_to" not in args:
            # "similar to The Matrix but older", "newer than Heat": than the seeds themselves;
            # "older comedies such as Mrs. Doubtfire" says how old the comedies are, not the seeds.
            relative = cues.AGE_OF_KIND.sub(" ", t)
            if cues.OLDER.search(relative) and all(s.year for s in seeds):
                args["year_to"] = min(s.year for s in seeds) - 1
            elif cues.NEWER.search(relative) and all(s.year for s in seeds):
                args["year_from"] = max(s.year for s in seeds) + 1
        if like:
            args["like"] = like
        elif cues.LIKE_THAT.search(t) and not like_ref:
            return Plan(answer="Like which one? Name a title, e.g. “something like Fargo”.")
        wish = self._wish(self._without_mentions(bare, mentions), like)
        if wish:
            args["wish"] = wish
        if not like and not (set(args) - {"wish"}) and (unsure := _in(t, "ask")):
            return (_did_you_mean(unsure))  # "something like heat": the film, or the word?
        args["k"] = self._count(bare)
        return self._call(ToolName.RECOMMEND, **args)

    @staticmethod
    def _through_titles(t: str, start: int, end: int) -> str:
        """t[start:end], run on to the end of a title that begins inside it: "like Monsters, Inc."
        is cut at its comma by the rule, not by the title."""
        for _, (a, b) in _spans(t, ("link",)):
            if start <= a < end < b:
                end = b
        return t[start:end].strip()

    def _compared(self, phrase: str) -> list[str] | Plan:
        """What "like …" names: the titles it surely names; else, when its pieces are one
        title each spelt with a typo ("blade runer"), that title (asked about when not close);
        pieces that may be titles the catalog lacks go to the tool, which offers close matches."""
        like = [m.item.id for m in _in(phrase, "link")]  # "The Fast and the Furious" is one title
        rest = phrase
        for m in _MENTIONS.get():
            if m.item.id in like:  # the title and the year written after it
                rest = re.sub(rf"(?<!\w){re.escape(m.text.lower())}(?!\w)(?:\W*\(?\d{{4}}\)?)?", " , ", rest)
        pieces = [p.strip() for p in re.split(r",| and | & | or | with | plus ", rest) if re.search(r"\w", p)]
        for piece in pieces:
            named = _in(piece, "link")
            covered = sum(len(tokens(m.text)) for m in named)
            attempt = len(tokens(piece)) > covered and self._title_attempt(piece)
            close = self.linker.closest(piece) if attempt else None
            if close is not None and len(tokens(close[0].title)) > covered:
                item, score = close
                if score < 90:
                    return _did_you_mean_item(item, piece)
                like.append(item.id)
            elif named:
                like += [m.item.id for m in named]
            elif unsure := _in(piece, "ask"):
                # A comparison is sure a title follows, and a seed writes nothing: the list goes
                # ahead on the likeliest film, and its explanations say which one ("Like Heat").
                like += [m.item.id for m in unsure]
            elif attempt:
                like.append(piece)
        return list(dict.fromkeys(like))

    def _title_attempt(self, phrase: str) -> bool:
        """Whether a phrase after "like" that names no catalog title may be one it lacks or one
        misspelt ("Hot Fuzz", "Blade Runer"), worth looking up: not a genre or attribute, and
        not only everyday words ("the one you said", "something fun")."""
        if self.lexicon.parse(phrase)[0] or self._mentions(phrase):
            return False
        words = [w for w, _, _ in tokens(phrase)]
        if any(w in cues.KINDS for w in words):
            return False  # "the Spy movies", "a superhero movie": a kind of film, no title
        # A word the catalog has as a tag or genre ("scary") is a wish, however rare it is.
        return any(zipf_frequency(w, "en") < 4.5 and w not in self.tags and w not in self.linker.vocabulary for w in words)

    @staticmethod
    def _without_mentions(t: str, mentions: list[AttributeMention]) -> str:
        """The text less the attribute values it names and their cue words ("directed by",
        "…'s film"): they are filters, not a wish."""
        if not mentions:
            return t
        words = phrase_words(t).split()
        drop = {n for m in mentions for n in range(m.start, m.end)}
        for m in mentions:
            n = m.start - 1
            while n >= 0 and words[n] in cues.CUE_BEFORE_WORDS:
                drop.add(n)
                n -= 1
            n = m.end
            while n < len(words) and words[n] in cues.CUE_AFTER_WORDS:
                drop.add(n)
                n += 1
        return " ".join(w for n, w in enumerate(words) if n not in drop)

    def _wish(self, t: str, like: list[str]) -> str | None:
        """The descriptive part of a request ("mind-bending", "light and funny"), if any; a
        negated clause is no wish ("I don't really like scary movies" asks for nothing scary)."""
        t = " ".join(c for c in re.split(r"(?<=[,.;!?…])\s*|\s+(?=but\b)", t) if not (NEGATION.search(c) or EXCESS.search(c))).strip()
        if not t:
            return None
        text = cues.LIKE.sub(" ", t) if like else t
        text = cues.LIKE_THAT.sub(" ", text)
        # What is left of a comparison once its titles are gone ("something like …"), and taste
        # verbs ("i like comedies": the genre is the request).
        text = re.sub(cues.LIKE_CUE + r"(?=\s*(?:[,.;:!?…]|$))", " ", text)
        text = re.sub(r"\bwhat else\b|\b(?:would|will|might) i (?:like|love|enjoy)\b|\b(?:i|we)(?:'m| am| are)? (?:really |"
                      r"absolutely |also |just )?(?:like|love|liked|loved|enjoy|enjoyed|adore|a (?:big |huge )?fan of)\b", " ", text)
        content = cues.FILLER.sub(" ", text)
        content = re.sub(r"\b(a|an|the|to|watch|i|for|from|with|and|or|of|in|no|not|without|s)\b", " ", content)
        content = re.sub(r"[^a-z' -]", " ", content)
        content = cues.ERA_WORDS.sub(" ", content)
        words = [w for w in content.replace("-", " ").split()
                 if len(w) > 2 and lemma(w) not in cues.ASKING_WORDS and not any(self.lexicon.parse(w))]
        padded = f" {phrase_words(text)} "
        if not words and not any(f" {tag} " in padded for tag in self.tags):  # "a heist film": genre and tag
            return None
        # The wish is embedded and quoted back: drop the asking ("i want a …", "… please").
        if text != t and not words:
            return None
        wish = cues.ASKING.sub("", t.strip(" ?.!"))
        wish = re.sub(r"\s+(?:please|tonight|today|for me|thanks)$", "", wish).strip(" ,")
        return wish or t.strip(" ?.!")
