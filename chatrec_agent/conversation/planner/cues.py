"""The cue words and phrases the intent parser reads a message by: what asks, what refines the
running search, what rejects it, what speaks of a film, which words are no description.
Patterns only; what they mean for a plan is decided in intents.py and the readings it mixes in."""

from __future__ import annotations

import re

from bm25s.stopwords import STOPWORDS_EN_PLUS

from chatrec_agent.catalog.mentions import KIND_NOUNS, NOT_THE_VERB, PRAISE, SCORN

ADMIN = re.compile(
    r"\b(re-?index|rebuild (the )?index|(delete|drop|wipe|reset) (the )?(index|database|memory|history)|"
    r"forget (this|the) (channel|conversation)|clear (the |your )?(memory|history)|link (user|me|<@|@)|"
    r"make me (an )?admin|run (an )?admin|sudo|/chatrec)\b"
)
OTHERS = re.compile(
    r"(<@[A-Za-z0-9]+>|(?:\b|@)(?!my\b|your\b|the\b|this\b|that\b|it\b)[a-z]+\d*'s (history|ratings|favou?rites|likes|profile|watchlist)\b|"
    r"\bwhat (does|did|has) (?!it\b|that\b|this\b|everyone\b|anyone\b)@?[a-z]+\d* (like|liked|rate|rated|watch|watched|seen|love|loved)\b|"
    r"\b(another|other) user'?s?\b|\buser ?#?\d+\b|\bas user\b)"
)
_THANKS = r"thanks|thank you|cheers|ta|thx"
THANKS = re.compile(rf"^({_THANKS})\b")
GRATITUDE = re.compile(r"\b(?:(?:no,? )?(?:thanks|thank you|thx|ty)|appreciate it|much appreciated)\b")  # "no thank you" too
# What else thanks are said with ("ok, thanks so much for all your help!"): nothing to act on.
THANKS_WORDS = frozenset(STOPWORDS_EN_PLUS) | frozenset("""ok okay great perfect awesome cool nice wonderful brilliant much
lot lots really very so help helpful helping appreciate appreciated again all everything time""".split())


def only_thanks(text: str) -> bool:
    return set(re.findall(r"[a-z]+", text)) <= THANKS_WORDS


GREETING = re.compile(rf"^(hi|hello|hey|yo|hiya|howdy|good (morning|afternoon|evening)|{_THANKS})\b")
# Where one sentence ends and the next begins; ReDial joins a person's messages with "...".
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=\w)|\s*(?:\.{2,}|…)\s*|\s*\n+\s*")
# A question put after a comma: "the second one sounds good, is it scary?", "I love sci fi, is Alien any good?".
QUESTION_AFTER = re.compile(r",\s+(?=(?:is|was|does|did|who|what|what's|whats|how|when|where)\b[^,.!?]*\?\s*$)")
ABOUT_IT = re.compile(r"\b(?:it|that|this)\b")
SEEKING = re.compile(r"\b(?:seek|seeking|looking for|want|need|movies?|films?|recommend\w*|suggest\w*|watch)\b")
ASKS = re.compile(r"\b(?:seek|seeking|looking for|want|need|recommend\w*|suggest\w*|in the mood for|ideas?|options?)\b")
HELP = re.compile(r"^(help|\?|what can you do|how does (this|it) work|commands|usage|what (is|are) (this|you)( thing| bot)?|"
                  r"who are you)\W*$")
# "what did you recommend me last time?", "show me that list again": the bot's own last picks.
PAST_PICKS = re.compile(r"^(?:(?:and|so|ok|okay|hey|sorry)[, ]+)*(?:what (?:did|were) you (?:recommend|suggest|pick|show)(?:ed)?"
                        r"(?: (?:me|us))?(?: (?:last time|before|earlier|yesterday))?|what were (?:those|your) "
                        r"(?:films|movies|picks|suggestions)(?: again)?|(?:show|give|tell) me (?:that|those|your) "
                        r"(?:list|picks|films|movies|suggestions) again)\s*[?!.]*$")
HISTORY = re.compile(
    r"\bwhat (have|did) i (like|liked|rate|rated|watch|watched|love|loved|enjoy|enjoyed)\b|"
    r"^(did|have) i (ever )?(like|liked|rate|rated|watch|watched|see|seen|love|loved|enjoy|enjoyed)\b|"
    r"(?<!\bfor )(?<!\bone of )\bmy (ratings|history|favou?rites|likes|taste)\b|\bwhat do i (like|love)\b|\bwhat i('ve| have) (liked|rated)\b"
)
REQUEST = re.compile(r"\b(something|anything|recommend|suggest|give me|show me some|films? like|movies? like)\b")


def asks_something(t: str) -> bool:
    """An asking word, a request's or a question mark."""
    return bool(ASKS.search(t) or REQUEST.search(t) or "?" in t)
# A score and its scale: "4 stars", "five stars", "4/5", "7/10", "a 9 out of 10" ("one" only
# with its unit: "rate the first one" gives no star). A bare number only where the frame says it
# is a score: "rate Heat 4", "Heat was a solid 4" (feedback._stars reads it; over 5, out of 10).
_SCORE = r"(?P<n>10|[0-9](?:\.5)?|zero|two|three|four|five|six|seven|eight|nine|ten|one(?=\s*(?:stars?|★|/|out of)))"
_SCALE = r"\s*(?:stars?|★)|\s*/\s*(?P<of>5|10)\b|\s+out of\s+(?P<of2>5|10)\b"
# The score ends what is said of the film: "Heat got 4 stars on imdb" is no rating of theirs.
_SAID = r"(?=(?:\s+(?:for|from|to) me|\s+(?:imo|tbh|honestly|easily|please|pls))*\s*(?:[.!,;]|\s(?:and|but|so)\b|$))"
# (pattern, whether its frame is sure a title fills the slot: "rate Hot Fuzz 4" looks it up,
# "the soundtrack was a 10" names no film).
RATE = [
    (re.compile(rf"\brate (?P<t>.+?) (?:a |an |with |as )?{_SCORE}(?:{_SCALE})?{_SAID}"), True),
    (re.compile(rf"\b(?:give|gave|giving) (?!(?:me|us|them|him|her|up)\b)(?P<t>.+?) (?:a |an )?{_SCORE}(?:{_SCALE})?{_SAID}"), True),
    # A bare number needs its article ("Heat was a 4"), not a rank ("a top 10 film").
    (re.compile(rf"^(?:(?:honestly|tbh|imo|personally|overall|ok|okay|so|well|yeah)[, ]+)*(?P<t>.+?)(?::| is| was| gets| got| deserves| earns) (?P<a>an? (?!(?:top|number|no)\b)(?:[a-z]+ )?)?"
                rf"{_SCORE}(?:{_SCALE}|(?(a)|(?!))){_SAID}"), False),
    (re.compile(rf"^(?:i'?d say |i say )?(?:a |an )?{_SCORE}(?:{_SCALE}) (?:for|to) (?P<t>.+?)\s*[.!]*$"), False),
]
# "I really liked", "honestly hated": the adverbs between a subject and its verdict.
_ADVERBS = r"(?:(?:really|honestly|truly|absolutely|totally|genuinely|seriously|also|just|still|actually|kinda) )*"
LIKED = re.compile(
    r"(?:\bi " + _ADVERBS + r"(?:do |did )?(?:loved|liked|enjoyed|adored|love|like)|"
    r"^" + _ADVERBS + r"(?:loved|liked|enjoyed|adored)|\bmy (?:all[- ]time )?favou?rites? (?:is|are|was|were|include)) (?P<t>.+)")
# What people call a film they liked or not: after "X was …", and as a clause's own verdict
# (opinions.py; "good" only after "was": "is Heat good?" asks).
# "I thought it was great", "honestly it's boring": what the person thinks, framed or not.
_THOUGHT = r"^(?:(?:i|we) " + _ADVERBS + r"(?:thought|think|felt|feel|found|find) (?:that )?)?"
# Not "it's great that you help", "it's good to know": praise of something else, said after it.
_OF_ELSE = r"(?! (?:that|to|for|when|if|how|of)\b)"
LIKED_REF = re.compile(_THOUGHT + rf"(?P<t>.+?)(?: was| is|(?<=\bit)'s) (?:good|{'|'.join(sorted(PRAISE))}|"
                       r"(?:one of )?my (?:all[- ]time )?favou?rites?)\b" + _OF_ELSE)
DISLIKED = re.compile(
    r"(?:\bi " + _ADVERBS + r"(?:hated|disliked|didn'?t like|did not like|couldn'?t stand|hate|dislike|don'?t like)|"
    r"^" + _ADVERBS + r"(?:hated|disliked|didn'?t like|couldn'?t stand)) (?P<t>.+)")
DISLIKED_REF = re.compile(_THOUGHT + rf"(?P<t>.+?)(?: was| is|(?<=\bit)'s) (?:{'|'.join(sorted(SCORN))})\b" + _OF_ELSE)
# "have you seen it?" asks the bot: only what the person saw is theirs to record.
SEEN = re.compile(
    r"\b(?<!you )(?<!you've )(?<!you ever )(?:seen|watched|saw)"
    r"(?: it| that| this)?(?: (?P<t>.+))?$")
# "seen any good films lately?", "I've watched a lot of westerns": of films in general, none in particular.
SEEN_ANY = re.compile(r"\b(?:seen|watched|saw) (?:any|anything|something|some|a|an)\b")
WHY = re.compile(r"\bwhy\b")
# "would I like Heat?": a question about fit, answered like a "why" (never recorded as feedback).
WOULD_I = re.compile(r"^(?:would|will|do you think|should|might) i (?:like|love|enjoy|dig) (?P<t>.+?)\??$")
# "is Heat any good?", "is it worth watching?": the same question of fit, put about the film.
WORTH = re.compile(r"^(?:is|was) (?P<t>.+?) (?:really |actually |even )?(?:any good|good|worth (?:it|watching|seeing|a (?:watch|look))|"
                   r"any fun|fun|decent|for me)\??$")
QUESTION = re.compile(r"^(?:would|will|do|does|did|should|could|can|might|is|are|was)\b")
WH_QUESTION = re.compile(r"^(?:what|which|who|when|where|how|any)\b")
HYPOTHETICAL = re.compile(r"\b(?:would|will|might|could|should|do|does|to) i (?:like|love|enjoy|dig)\b|\bi(?:'d| would) (?:like|love|enjoy)\b")
MORE_LIKE = re.compile(r"\b(?:more like|similar to|more of|others like|anything like) (?P<t>.+)")
# "like X" and its paraphrases: what the neighbourhood is seeded with.
LIKE_CUE = (r"(?:" + NOT_THE_VERB + r"\blike|similar to|in the (?:vein|style|spirit) of|along the lines of|"
             r"reminds? me of|the same (?:vibe|feel) as|(?:a )?(?:mix|cross|blend|combination|mashup) (?:of|between)|"
             r"somewhere between|halfway between|crossed with)")
# "for like the 5th time", "frozen like 400 times", "seen it like 10x": "like" hedging how many
# times compares no film.
_HEDGED = (r"(?:(?:\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|a few|a couple of|several|a million|a hundred|"
           r"a thousand|a dozen|dozens of|hundreds of) times|\d{1,3}x|(?:the )?(?:\d{1,2}(?:st|nd|rd|th)|first|second|third|"
           r"fourth|fifth|tenth|hundredth|millionth) time|once|twice)\b")
LIKE = re.compile(LIKE_CUE + r" (?!" + _HEDGED + r")(?P<t>[^,.;!?]+?)(?=(?:,| but| from| with| without| no | not | in the| before| after| only| by| directed|[.;!?]|$))")
# "along those lines", "like that", "something similar": the item just talked about.
LIKE_THAT = re.compile(r"\b(?:along (?:those|these|the same) lines|" + NOT_THE_VERB + r"like (?:that|this|it|those|them)(?: one)?|"
                        r"(?:something|anything|stuff|more|films?|movies?) similar|similar ones?|in that vein|in the same vein)\b")
# "I loved Heat, more crime stuff please": after a film the message says was liked, "more" and
# "other" ask for more of what was liked.
MORE_OF_SAME = re.compile(r"\b(?:more|another|other)\b(?! than)")
# "…but I want something different, more romantic", "I'd rather have other stuff": a turn from the
# films just named, not more of them.
TURN_FROM = re.compile(r"\b(?:different|instead|(?:i'?d|would) rather(?! not)|change of pace|for a change)\b|\bbut (?:now|this time|tonight)\b")
ANY_ERA = re.compile(r"\b(?:ever|of all time|all[- ]time|any (?:decade|era|year|period)|(?:whatever|any) (?:decade|era|year|period))\b")
TURN_AWAY = re.compile(r"\b(?:(?:completely|totally|entirely|quite|a (?:bit|little))\s+)?(?:different|a change of pace|for a change)\b")
LIKE_THOSE = re.compile(r"\b(?:like|as|along the lines of) (?:those|these|them)\b|\balong (?:those|these) lines\b")
CARRIED = ("genres", "any_genres", "exclude_genres", "year_from", "year_to")
_OLDER, _NEWER = r"older|earlier|less recent|more classic", r"newer|more recent|later|fresher|more modern"
OLDER = re.compile(rf"\b({_OLDER})\b")
NEWER = re.compile(rf"\b({_NEWER})\b")
AGE_OF_KIND = re.compile(rf"\b(?:{_OLDER}|{_NEWER})(?= (?!than\b)\w+ (?:such as|like|similar to|along the lines of|in the vein of)\b)")
OTHERS_AGAIN = re.compile(
    r"\b(not (those|these|them|that)|others|other ones|another|something else|different ones?|anything else|more options|"
    r"show me more|more please|give me more|next|none of (those|these|them)|what else|^more)\b")
# A film that missed what they want, besides "too …" (lexicon.EXCESS): "not really my thing".
MISSED = re.compile(r"\bnot (?:really |quite )?(?:for me|my (?:thing|style|kind of \w+|cup of tea)|"
                    r"what i(?:'m| am) (?:after|looking for|in the mood for))\b")
# "more of a teen movie than I'm after" says "too teen": normalised to it before reading.
MORE_THAN_WANTED = re.compile(r"\bmore (?:of )?an? ((?:[\w-]+ ){1,3})than (?:what )?(?:i|we)(?:'m| am|'re| are)? "
                              r"(?:after|looking for|want(?:ed)?|in the mood for|need)\b", re.I)
# "not enough action", "it isn't scary enough": they want more of it; normalised to "more action".
NOT_ENOUGH = [re.compile(r"(?:\bnot|n't)(?: \w+){0,2} enough (?:of )?(?:the )?(?P<w>[a-z][\w-]*)", re.I),
              re.compile(r"(?:\bnot|n't)(?: \w+)? (?P<w>[a-z][\w-]*) enough\b", re.I)]
# "more animated", "a bit more action", "more into horror", "a funny one" (one of the same kind):
# a kind of film said of the search's films (its word in its own form, not the plural "more
# comedies") adds to the search.
MORE_OF = re.compile(r"\b(?:more (?:into |of (?:an? )?)?|(?:a|an|some) (?=[a-z][a-z-]* ones?\b))(?P<w>[a-z][a-z-]*)")
ONLY = re.compile(r"^(?:only|just|but only|now only|and only)\b")
# "scratch that", "actually …", "rather …": the request is replaced, not refined.
CORRECTION = re.compile(r"^(?:scratch that|forget (?:that|it)|never ?mind|actually|rather|instead|on second thought|"
                         r"change of plan|let'?s do|make it)\b[ ,.!:-]*")
COUNT_ONLY = re.compile(r"^(?:(?:ok|okay|hmm|no|well)[, ]+)?(?:(?:just|only|give me|show me|make it|how about|i only want|"
                         r"i only need|maybe|can you|could you|please)\s*)*(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|a couple|a few)"
                         r"(?: (?:of them|please|instead|then|more|picks?|options?|ones?|films?|movies?))*\W*$")
# "my 10 year old", "a six-year-old", "my daughter is 9": a child, read as "kid" (the genre words
# know kids), and no count; an older age is left as written (and is no era, see eras.py).
AGE = re.compile(r"\b(?:(?P<who>daughter|son|kid|boy|girl|child|nephew|niece|grandson|granddaughter)s?(?:\s+(?:is|are|just turned|turned)"
                 r"\s+|'s\s+))?(?P<n>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
                 r"(?(who)(?:[ -](?:years?|yrs?)(?:[ -]old)?)?|[ -](?:years?|yrs?)[ -]olds?)\b", re.I)
CHILD_AGE = 12
# "when I was a kid", "as a child": the speaker's own past, no children's film asked for and
# no "when?" question; read as "back then".
CHILDHOOD = re.compile(r"\b(?:when (?:i|we) (?:was|were) (?:a |an |just a )?|as (?:a |an )?)(?:kids?|child|children|little|young|younger|"
                       r"teen|teens|teenager|teenagers|boy|girl|little (?:kid|one|boy|girl))\b", re.I)
COUNTED = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|couple|few)\b")  # a count may be said
FEWER = re.compile(r"^(?:(?:ok|okay|hmm|no)[, ]+)?(?:fewer|less|not so many|too many)\b")
# "the same director", "that era"; "this year" is now, no field of the film in hand.
REF_FIELD = re.compile(r"\b(?:that|the same|this(?! year\b)|same) (?P<what>[a-z]+)\b")
# "the director of Jaws", "whoever made Alien", "the same people that did Toy Story", "the team
# behind Up": a role (a field's noun or verb, questions.role_field; a maker's) of the film named after it.
# "what else did he direct?", "has she made anything else?": the role of the film in hand.
ROLE_OF_IT = re.compile(r"\b(?:did|has|have|does) (?:he|she|they) (?:\w+ )??(?P<verb>[a-z]+)\b(?=.*\b(?:else|other|more)\b)|"
                        r"\b(?:else|other \w+|more) (?:did|has|have|does) (?:he|she|they) (?:\w+ )??(?P<verb2>[a-z]+)\b")
MAKERS = frozenset("guy guys person people man woman lady team folks dude studio filmmaker filmmakers minds".split())
MAKER_OF = re.compile(rf"\b(?:whoever|(?:the )?(?:same )?(?:[a-z]+ )?(?:{'|'.join(MAKERS)}) (?:who|that)) (?P<verb>[a-z]+) (?=\S)|"
                      r"\bthe (?:same )?(?P<noun>[a-z]+) (?:of|behind) (?=\S)")
# "no, not those", "nope, none of these", "close, but no": the last list missed.
REJECTION = re.compile(
    r"^(?:(?:no+|nope|nah|wrong)(?=\s*(?:[,.!–—-]|$))|nope|nah|not quite|not really|not it|close,? but(?: no)?|"
    r"hmm+,? (?:no|not quite)|none of (?:those|these|them|that)|not (?:those|these|them|that)(?: ones?)?|"
    r"not what i(?:'m| am) (?:after|looking for))\b[ ,.!–—-]*")
CUE_BEFORE_WORDS = {"directed", "written", "starring", "featuring", "by", "from", "nothing", "no", "not", "without",
                     "anything", "except", "but", "the", "a", "an", "director", "author"}
CUE_AFTER_WORDS = {"s", "brothers", "bros", "film", "films", "movie", "movies", "picture", "pictures", "classic", "classics"}
SPLIT = re.compile(r"\s*(?:[,;]|\bso\b|\bbut\b|\band\b|\bthen\b| - )\s*")
# "what's the movie where a guy relives the same day?", "trying to remember a film about a robot
# left alone on earth": a film to find by what happens in it, seen or not; no picks.
IDENTIFY = re.compile(r"\bwhat(?:'s| is| was)\s+(?:the |that |this )?(?:movie|film)\s+(?:(?:called|named)\s+)?"
                      r"(?:where|about|with|in which|that has|that had)\s+(?P<q>.+?)\??$|"
                      r"\b(?:trying to|can'?t|cannot|don'?t) (?:remember|recall|think of)\s+(?:the (?:name|title) of\s+)?"
                      r"(?:a |the |this |that )?(?:movie|film)\s+(?:where|about|with|in which|that)\s+(?P<q2>.+?)\??$")
SEARCH = re.compile(r"^(?:do you have|have you got|is there|find|search(?: for)?|look up|tell me (?:more )?about|what is|what's) (?P<q>.+?)\??$")
IN_CATALOG = re.compile(
    r"^(?:is|are) (?P<q>.+?) (?:in (?:the|your) (?:catalog(?:ue)?|list|library|collection)|available|on here|there)\??$")
REFINE_OPENER = re.compile(r"^(?:no|nope|hmm|ok|okay|well|and|but|then|now|what about|how about|maybe)\b")
FILLER = re.compile(
    r"\b(what should i watch( tonight| today| next)?|recommend( me)?|suggest( me)?|give me|show me|i want|i'd like|"
    r"i would like|looking for|in the mood for|something|anything|some|a film|a movie|films|movies|film|movie|"
    r"please|tonight|today|for me|can you|could you|any|ideas?|good|great|\d+|one|ones|me)\b")
# Words that ask rather than describe ("do you know any?", "what would you suggest I see?"):
# a wish made only of these and the language's function words searches for nothing.
ASKING_WORDS = frozenset(STOPWORDS_EN_PLUS) | frozenset("""suggest suggestion recommend recommendation idea option
pick know think thinking see watch look help need want find get got give show tell name tonight tomorrow weekend yes yeah sure okay thank thanks hello hey also
maybe perhaps really else another other new more please lol great good nice would could should might must shall
fan fans lover huge big best greatest finest next favourite favorite fave genre genres kind kinds type types sort gimme""".split())
# The polite words around a request ("ok, can you …", "… for me, thanks"): said, not asked for.
POLITE_OPENER = r"(?:(?:hey|hi|ok|okay|oh|so|please|pls|can you|could you|would you)[, ]+)*"
POLITE_CLOSER = r"(?:,?\s+(?:please|pls|thanks|thank you|for me))*"
ASKING = re.compile(
    r"^" + POLITE_OPENER +
    r"(?:i want|i'd like|i would like|i'm looking for|i am looking for|looking for|i'm in the mood for|in the mood for|"
    r"give me|gimme|show me|find me|recommend(?: me)?|suggest(?: me)?|what about|how about|is there|are there|any)\s+(?:(?:a|an|some|good|great|nice|decent)\s+)*")
ERA_WORDS = re.compile(
    r"\b(\d0s|twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties|noughties|recent|latest|new|"
    r"newest|modern|classic|old|older|vintage|before|after|since|between|era|decade|year|years)\b")
_YES = r"yes|yeah|yep|yup|ya|sure|correct|right|exactly|indeed|y|uh-huh|that one|that's (?:it|the one|right)"
YES = re.compile(rf"^(?:{_YES}|that is (?:it|the one))\b(?!.*\b(?:but|not)\b)")
# A yes that says nothing else ("yes", "yep, that one", "sure please"): the only answer that
# confirms a question put after a list, where a "yes, …" more likely speaks of the list.
BARE_YES = re.compile(rf"^(?:{_YES})(?:[,!. ]+(?:please|i did|i do|it is|that one|thanks|thank you))?[\s!.]*$")
BARE_NO = re.compile(r"^(?:no|nope|nah|no thanks|no thank you|not that one|wrong one|neither)[\s!.]*$")
RESET = re.compile(r"^(?:(?:ok|okay|please|can we|let'?s|lets)[, ]+)*(?:start (?:over|again|afresh|from scratch)|reset|"
                    r"restart|new (?:conversation|chat)|clear (?:the |this )?(?:chat|conversation)|"
                    r"forget (?:everything|all (?:of )?that|what i said))\W*$")
PRONOUN = re.compile(r"^(it|that|this|that one|this one|them|those)$")
POINTING = re.compile(r"(?:it|that|this|them|those|these)\b")  # opening a phrase: "it a lot", "that one too"


KINDS = KIND_NOUNS | {"movie", "film", "story", "flick", "flicks"}
# Words of a plot search that make it a question about picks or a ranking ("what's the movie with the best twist?").
NOT_A_PLOT = re.compile(r"\b(?:best|worst|most|least|highest|lowest|shortest|longest|more|less|these|those|first|second|third|"
                        r"last|you (?:mentioned|said|suggested|showed|recommended))\b")
# What people watch that is no film: "I watched the trailer", "we watched the game last night".
NOT_FILMS = frozenset("trailer trailers teaser game games match news show shows episode episodes season seasons "
                      "video videos clip clips stream livestream tv telly".split())
# How old a film is, as its card shows it: "the first one is too old" is no verdict on the film
# (opinions.py), and moves the era on from it (followups.py).
_AGE_WORDS = r"old|older|new|newer|recent|dated|modern"
FILM_AGE = re.compile(rf"(?:{_AGE_WORDS})\b")
TOO_AGED = re.compile(rf"\btoo ({_AGE_WORDS})\b")


# Past forms of the verbs other catalogs' items take (catalog.words.verb) that do not add "-ed".
_IRREGULAR_PAST = {"read": "read", "hear": "heard", "see": "seen", "eat": "eaten", "drink": "drunk", "buy": "bought",
                   "ride": "ridden", "do": "done", "make": "made", "cook": "cooked"}


def participle(verb: str) -> str:
    """What having had an item is called: "seen" a film, "read" a book, "played" a game."""
    head, *rest = verb.split() or ["watch"]
    return "seen" if head == "watch" else " ".join([_IRREGULAR_PAST.get(head, head + ("d" if head.endswith("e") else "ed")), *rest])


def did_verb(verb: str) -> re.Pattern | None:
    """The catalog's own verb said of the past ("I already read The Hobbit", "we've played
    Portal"), to be read as the films' "watched" (group `by`: the word before it); None for
    films. Only after a subject or an adverb that makes it past: "I want to read" intends to."""
    words = verb.split()
    if not words or words[0] == "watch":
        return None
    # "I read the synopsis of Dune", "read reviews of it", "I read about it", "read a lot of Christie": not the item itself.
    about = r"(?!\s+(?:about|that|a lot|lots|some|somewhere|online|(?:the |a |some )?(?:reviews?|synopsis|summary|blurb|trailer)))"
    return re.compile(rf"\b(?P<by>i|we|i've|we've|ive|weve|have|has|had|already|just|recently|finally|never|ever|once|also|both)"
                      rf"\s+{re.escape(participle(verb))}\b{about}", re.IGNORECASE)

