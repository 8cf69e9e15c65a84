"""How real people write, read by the offline planner on the demo catalog and on a 10,000-title
catalog where everyday words are films ("It", "Yes", "Up", "The One", "Saw", "2012"). Each
class of failure seen on real dialogues, in several phrasings of our own."""

from __future__ import annotations

import math
import random
from dataclasses import replace

import pytest
from wordfreq import top_n_list

from chatrec_agent.catalog import Catalog, Interaction, Item
from chatrec_agent.catalog.attributes import AttributeVocabulary
from chatrec_agent.catalog.load import load_catalog
from chatrec_agent.catalog.mentions import LOWER, MentionModel, aliases
from chatrec_agent.conversation.planner.memory import Recall
from chatrec_agent.conversation.planner.model import OfflinePlanner
from chatrec_agent.settings import settings_from_dict

from .big_catalog import big_catalog


@pytest.fixture(scope="module")
def big_world(embedder):
    catalog = big_catalog()
    return catalog, OfflinePlanner.for_catalog(catalog, encode=embedder.encode).parser


@pytest.fixture(scope="module")
def demo_world(embedder):
    catalog = load_catalog(settings_from_dict({}, environ={}).catalog)
    return catalog, OfflinePlanner.for_catalog(catalog, encode=embedder.encode).parser


@pytest.fixture(scope="module", params=["demo", "10k"])
def world(request, demo_world, big_world):
    return big_world if request.param == "10k" else demo_world


def by_title(catalog: Catalog, title: str, year: int | None = None) -> str:
    return next(i.id for i in catalog.items.values() if i.title == title and (year is None or i.year == year))


def shown(catalog: Catalog, *titles: str) -> Recall:
    """A conversation that just listed these films."""
    cards = [{"id": by_title(catalog, t), "title": t, "year": None, "genres": []} for t in titles]
    return Recall(last_shown=cards, shown_ids=[c["id"] for c in cards], last_recommend={"k": 5}, list_tool="recommend")


def calls(plan) -> list[dict]:
    return [c for step in plan.steps() for c in step]


def linked_ids(plan) -> set[str]:
    """Every item a plan acts on: feedback targets, seeds, items asked about."""
    out: set[str] = set()
    for call in calls(plan):
        args = call["args"]
        out |= {args["item"]} if isinstance(args.get("item"), str) else set()
        out |= set(args.get("like", [])) | set(args.get("items", []))
    return out


TRAPS = ("It", "Yes", "Up", "The One", "Saw", "Help!", "2012", "Next", "No", "Don", "If....", "M", "The Watch",
         "My Family", "Instant Family", "Drive", "The Help", "Blade", "Taken")


@pytest.mark.parametrize("text", [
    "what genre is the 2nd one?", "what should I watch next?", "I liked it", "I haven't seen that one",
    "yes", "no", "Yes, I saw it", "help me pick something", "I don't know, something fun",
    "I'd like a comedy if you have any", "the one with the ghosts please", "I saw it last year and loved it",
    "up for anything really", "it was ok I guess", "taken together, those look good", "drive me to something scary",
    "a family movie for tonight", "what about the end of the world in 2012?", "No, not into that",
])
def test_everyday_words_are_not_films(world, text):
    catalog, parser = world
    traps = {i.id for i in catalog.items.values() if i.title in TRAPS}
    plan = parser.plan(text, shown(catalog, "Casablanca", "Fargo"))
    assert not linked_ids(plan) & traps, (text, calls(plan))
    assert not any(c["name"] == "record_feedback" and c["args"]["item"] in traps for c in calls(plan))


@pytest.mark.parametrize("text, expected", [
    ("I like Ghostbusters II (1989) and Saw (2004)", [("Ghostbusters II", 1989), ("Saw", 2004)]),
    ("I'm a horror fan, Saw (2004) was great", [("Saw", 2004)]),
    ("I really enjoyed The Craft (1996)", [("The Craft", 1996)]),
    ("Loved Inception!", [("Inception", 2010)]),
])
def test_films_written_as_people_write_them_are_recorded_and_followed(big_world, text, expected):
    catalog, parser = big_world
    wanted = [by_title(catalog, t, y) for t, y in expected]
    plan = parser.plan(text, Recall())
    recorded = [c["args"]["item"] for c in calls(plan) if c["name"] == "record_feedback"]
    picks = [c["args"] for c in calls(plan) if c["name"] == "recommend"]
    assert recorded == wanted and picks and picks[0]["like"] == wanted  # a taste is also a request


@pytest.mark.parametrize("text, genres", [
    ("I like comedies.", ["Comedy"]), ("any good dramas?", ["Drama"]), ("something romantic", ["Romance"]),
    ("scary movies please", ["Horror"]), ("animated films", ["Animation"]), ("cartoons for the kids", ["Animation", "Children"]),
    ("a family movie", ["Children"]), ("I'm into thrillers", ["Thriller"]), ("westerns", ["Western"]),
    ("science fiction", ["Sci-Fi"]), ("I like comedies, anything new?", ["Comedy"]),
])
def test_genres_in_their_everyday_forms(world, text, genres):
    _, parser = world
    (call,) = calls(parser.plan(text, Recall()))
    assert call["name"] == "recommend" and "like" not in call["args"], call  # "family" is no *My Family*
    # Where the catalog has the word as a tag ("family" on the demo), the tag picks the items.
    by_tag = call["args"].get("wish") and any(f" {t} " in f" {text.lower()} " for t in parser.tags)
    assert sorted(call["args"].get("genres", [])) == sorted(genres) or by_tag, call


@pytest.mark.parametrize("text, genres, excluded", [
    ("not really into horror, what about thrillers?", ["Thriller"], ["Horror"]),
    ("I don't really like horror", [], ["Horror"]),
    ("a comedy but nothing too scary", ["Comedy"], ["Horror"]),
    ("a comedy from the 80s but not a romcom", ["Comedy"], ["Romance"]),
    ("no musicals, maybe an adventure", ["Adventure"], ["Musical"]),
    ("anything but westerns", [], ["Western"]),
    # A clause that only intensifies the one before keeps its negation, and is no wish.
    ("no westerns, let alone musicals", [], ["Western", "Musical"]),
    ("not into war films, especially musicals", [], ["War", "Musical"]),
    ("I like comedies, especially romantic ones", ["Comedy", "Romance"], []),
    ("a comedy, nothing with singing", ["Comedy"], ["Musical"]),
    ("no westerns, let alone musicals, much less war films", [], ["Western", "Musical", "War"]),
    # Weariness denied is a liking: two negations cancel ("never get tired of old westerns" ruled westerns out).
    ("we could never get bored of sci-fi", ["Sci-Fi"], []),
    ("I'm not tired of horror yet, more please", ["Horror"], []),
    ("never sick of comedies, just no romcoms", ["Comedy"], ["Romance"]),
    ("I'm sick of horror", [], ["Horror"]),
    # Review findings: only a denial right before the weariness cancels it, in any form.
    ("not tonight, I'm tired of comedies", [], ["Comedy"]),
    ("wife doesn't like gore and I'm tired of horror anyway", [], ["Horror"]),
    ("I'm so tired of westerns", [], ["Western"]),
    # A negation of knowing or minding negates nothing after it.
    ("I don't know many good westerns, any ideas?", ["Western"], []),
    ("I don't mind a western", ["Western"], []),
])
def test_negation_governs_only_what_it_names(world, text, genres, excluded):
    _, parser = world
    (call,) = calls(parser.plan(text, Recall()))
    assert sorted(call["args"].get("genres", [])) == sorted(genres), call
    assert sorted(call["args"].get("exclude_genres", [])) == sorted(excluded), call
    if excluded and ("especially" in text or "let alone" in text):
        assert not call["args"].get("wish"), call


@pytest.mark.parametrize("text", [
    "what's the weather tomorrow?", "tell me a joke", "who won the game last night?", "thanks, bye!",
    "hi, how are you?", "have a good day!", "sounds good, I'll check it out", "how do I cook pasta?", "too bad, bye!",
])
def test_small_talk_and_out_of_scope_get_an_answer_and_no_list(world, text):
    _, parser = world
    plan = parser.plan(text, Recall())
    assert plan.answer and not plan.steps(), (text, calls(plan))


@pytest.mark.parametrize("text, title", [
    ("Van Wilder (2002) was great", "National Lampoon's Van Wilder"),
    ("I loved Life of Brian", "Monty Python's Life of Brian"),
])
def test_a_title_is_known_without_its_owners_name(big_world, text, title):
    catalog, parser = big_world
    plan = parser.plan(text, Recall())
    assert feedback_of(plan) == {by_title(catalog, title): "liked"}, calls(plan)
    assert by_title(catalog, title) not in {i for c in calls(plan) for i in c["args"].get("items", [])}


@pytest.mark.parametrize("text, said", [
    ("Oh I dont like any of the star wars... I know Im weird", {}),
    ("I loved the Star Wars films", {}),
    ("I loved Star Wars: Episode V - The Empire Strikes Back", {"Star Wars: Episode V - The Empire Strikes Back": "liked"}),
    ("Star Wars (1977) was great", {"Star Wars: Episode IV - A New Hope": "liked"}),
    ("I don't like any of the Mission Impossible movies", {}),
    ("we loved Mission: Impossible - Fallout", {"Mission: Impossible - Fallout": "liked"}),
])
def test_a_series_named_by_its_head_is_no_one_films_feedback(big_world, text, said):
    catalog, parser = big_world
    plan = parser.plan(text, Recall())
    assert feedback_of(plan) == {by_title(catalog, t): kind for t, kind in said.items()}, calls(plan)


@pytest.mark.parametrize("text", ["I didn't care for Toy Story", "I don’t like Home Alone", "I really hated Toy Story (1995)"])
def test_a_dislike_in_the_middle_of_a_search_goes_on_past_it(world, text):
    catalog, parser = world
    memory = replace(shown(catalog, "Casablanca", "Heat"), last_recommend={"genres": ["Drama"], "k": 5})
    plan = parser.plan(text, memory)
    (disliked,) = feedback_of(plan)
    recommend = [c["args"] for c in calls(plan) if c["name"] == "recommend"]
    assert feedback_of(plan)[disliked] == "disliked" and len(recommend) == 1, calls(plan)
    assert recommend[0].get("genres") == ["Drama"] and {disliked, *memory.shown_ids} <= set(recommend[0]["exclude"])


@pytest.mark.parametrize("text", ["I didn't care for Toy Story. How about a horror film?",
                                  "I didn't like Home Alone, any horror films?"])
def test_a_dislike_said_with_a_new_request_answers_the_request(world, text):
    catalog, parser = world
    memory = replace(shown(catalog, "Casablanca", "Heat"), last_recommend={"genres": ["Drama"], "k": 5})
    recommend = [c["args"] for c in calls(parser.plan(text, memory)) if c["name"] == "recommend"]
    assert len(recommend) == 1 and "Horror" in recommend[0].get("genres", []), recommend


@pytest.mark.parametrize("text, title, k", [
    ("in the spirit of Paddington 2?", "Paddington 2", 5), ("something like Paddington 2, just two", "Paddington 2", 2),
    ("3 films like Paddington 2", "Paddington 2", 3),
])
def test_numbers_in_titles_are_not_counts_or_years(big_world, text, title, k):
    catalog, parser = big_world
    (call,) = calls(parser.plan(text, Recall()))
    assert call["args"]["like"] == [by_title(catalog, title)] and call["args"]["k"] == k
    assert "year_from" not in call["args"] and "year_to" not in call["args"]


def test_an_unsure_title_is_asked_about_and_a_yes_confirms_it(world):
    catalog, parser = world
    plan = parser.plan("I really enjoyed Heat", Recall())
    if plan.steps():  # sure enough on this catalog: recorded at once
        assert calls(plan)[0]["args"]["item"] == by_title(catalog, "Heat")
        return
    assert "Heat" in plan.answer and plan.confirm["item"] == by_title(catalog, "Heat")
    confirmed = parser.plan("yes", Recall(pending=plan.confirm))
    assert calls(confirmed)[0] == {"name": "record_feedback", "args": {"item": by_title(catalog, "Heat"), "kind": "liked"}}
    assert not parser.plan("yes", Recall()).tool_calls or "Heat" not in str(parser.plan("yes", Recall()).tool_calls)


def test_the_most_everyday_titles_count_only_written_as_titles(big_world):
    catalog, parser = big_world
    it_2017, it_1927 = by_title(catalog, "It", 2017), by_title(catalog, "It", 1927)
    written = parser.plan("As a horror fan I loved It (2017)", Recall())
    # The year says which, and that it may be one: recorded, or asked about, never the 1927 film.
    assert (calls(written)[0]["args"]["item"] if written.steps() else written.confirm["item"]) == it_2017
    for text in ("As a horror fan I loved it", "I loved it (the ending!)", "it is a classic"):
        assert not linked_ids(parser.plan(text, Recall())) & {it_2017, it_1927}, text


def test_start_over_sets_the_conversation_aside(world):
    _, parser = world
    plan = parser.plan("let's start over", shown(world[0], "Casablanca"))
    assert plan.reset and plan.answer and not plan.steps()


@pytest.mark.parametrize("text, genre, tag", [
    ("any good family movies?", "Children", "family"), ("scifi movies", "Sci-Fi", "scifi"),
    ("something for the kids", "Children", "kids"), ("I'm in the mood for scifi tonight", "Sci-Fi", "scifi"),
])
def test_a_genre_word_that_is_also_a_tag_names_the_genre_and_ranks_by_the_tag(big_world, text, genre, tag):
    catalog, parser = big_world
    assert tag in parser.tags  # the 10k catalog carries it as a tag, as MovieLens does
    (call,) = calls(parser.plan(text, Recall()))
    assert call["name"] == "recommend" and genre in call["args"].get("genres", []), call
    assert tag in call["args"].get("wish", ""), call  # the tagged items of the genre come first
    assert "like" not in call["args"]


@pytest.mark.parametrize("text", [
    "any suggestion for me?", "what would you suggest I see?", "know any?", "do you have any good recommendations?",
    "got any ideas?", "what can you recommend?", "anything good?",
    # Taste said of a kind in general: "favourite" and "genre" describe no film.
    "my favourite genre is westerns", "comedy is my fave kind of film", "what type of thrillers do you have?",
])
def test_a_request_made_only_of_asking_words_searches_for_no_words(world, text):
    catalog, parser = world
    (call,) = calls(parser.plan(text, Recall()))
    assert call["name"] == "recommend" and not call["args"].get("wish"), call  # no *Any Which Way You Can*
    assert "like" not in call["args"]


def test_a_tag_that_is_an_asking_word_is_no_wish(big_world):
    _, parser = big_world
    assert "good" not in parser.tags and "funny" in parser.tags


@pytest.mark.parametrize("follow_up", ["any other suggestions?", "what else would you suggest?", "anything else?",
                                       "got more?"])
def test_asking_again_in_the_middle_of_a_search_goes_on_with_it(world, follow_up):
    catalog, parser = world
    memory = replace(shown(catalog, "Casablanca", "Fargo"),
                     last_recommend={"genres": ["Horror"], "year_from": 1980, "year_to": 1989, "k": 5})
    (call,) = calls(parser.plan(follow_up, memory))
    assert call["name"] == "recommend" and call["args"]["genres"] == ["Horror"], call
    assert call["args"]["year_from"] == 1980 and call["args"]["year_to"] == 1989
    assert set(memory.shown_ids) <= set(call["args"].get("exclude", []))  # nothing shown twice


@pytest.mark.parametrize("earlier, now", [
    (["I loved Heat and Fargo"], "something with more action"),
    (["My favourite is Casablanca", "thanks"], "a romantic drama please"),
    (["I didn't like The Notebook"], "any good romances?"),
    (["I've seen Die Hard"], "something like Heat"),
])
def test_films_named_earlier_in_the_conversation_are_never_picks(big_world, earlier, now):
    catalog, parser = big_world
    named = {i.id for i in catalog.items.values() if i.title in " ".join(earlier) and len(i.title) > 3}
    assert named
    requests = [c for c in calls(parser.plan(now, Recall(said=earlier))) if c["name"] == "recommend"]
    assert requests and named <= set(requests[0]["args"].get("exclude", [])), requests


@pytest.mark.parametrize("earlier, title", [
    (["I don't like frozen much, it's all ice and snow"], "Frozen"),
    (["we already watched heat last week"], "Heat"),
])
def test_a_film_only_a_cue_points_at_is_kept_out_of_the_picks(big_world, earlier, title):
    catalog, parser = big_world
    # Too unsure to record or ask about (lower case, everyday words), yet they may mean it.
    assert not [c for c in calls(parser.plan(earlier[0], Recall())) if c["name"] == "record_feedback"]
    requests = [c for c in calls(parser.plan("any good films for tonight?", Recall(said=earlier))) if c["name"] == "recommend"]
    assert requests and by_title(catalog, title) in requests[0]["args"].get("exclude", []), requests


@pytest.mark.parametrize("text", ["We enjoyed Toy Story and Home Alone. Anything more like them?",
                                  "I loved Home Alone and Toy Story! More like those?",
                                  "I loved Toy Story and Home Alone; more of those please"])
def test_those_after_several_films_named_are_all_of_them(world, text):
    catalog, parser = world
    plan_calls = calls(parser.plan(text, Recall()))
    picks = [c["args"] for c in plan_calls if c["name"] == "recommend"]
    assert picks and set(picks[-1]["like"]) == {by_title(catalog, "Toy Story"), by_title(catalog, "Home Alone")}, plan_calls


def test_an_everyday_word_after_a_cue_keeps_no_film_out(big_world):
    catalog, parser = big_world
    requests = [c for c in calls(parser.plan("any good films?", Recall(said=["I loved it, we watched it twice"])))
                if c["name"] == "recommend"]
    assert requests and by_title(catalog, "It") not in requests[0]["args"].get("exclude", []), requests


def feedback_of(plan) -> dict[str, str]:
    return {c["args"]["item"]: c["args"]["kind"] for c in calls(plan) if c["name"] == "record_feedback"}


@pytest.mark.parametrize("text, liked, disliked", [
    ("I liked Inception, Fargo but not Night of the Living Dead", ["Inception", "Fargo"], ["Night of the Living Dead"]),
    ("not really a fan of Home Alone but I did like Toy Story", ["Toy Story"], ["Home Alone"]),
    ("Inception was great but Die Hard was boring", ["Inception"], ["Die Hard"]),
    ("I didn't like Home Alone but I loved Blade Runner", ["Blade Runner"], ["Home Alone"]),
    ("I loved Ghostbusters, not so much Blade Runner", ["Ghostbusters"], ["Blade Runner"]),
    ("I hated Home Alone and Night of the Living Dead", [], ["Home Alone", "Night of the Living Dead"]),
    ("I liked Inception but I haven't seen Die Hard", ["Inception"], []),
    # Run on, with no comma: a title followed by a new subject starts the next clause.
    ("I liked Inception I just didn't care for Die Hard", ["Inception"], ["Die Hard"]),
    ("We loved Toy Story we didn't care much for Home Alone", ["Toy Story"], ["Home Alone"]),
    ("Fargo was a masterpiece", ["Fargo"], []),
    ("I didn't care for Home Alone", [], ["Home Alone"]),
    # Negations as people type them: no apostrophe, or a curly one.
    ("I didnt really enjoy Home Alone but love Toy Story", ["Toy Story"], ["Home Alone"]),
    ("I don’t like Home Alone or Night of the Living Dead", [], ["Home Alone", "Night of the Living Dead"]),
    # A sentence that only negates, with no opinion word of its own, turns the one before round.
    ("Loved Inception. Not Die Hard though.", ["Inception"], ["Die Hard"]),
    ("We enjoyed Toy Story... but not so much Home Alone", ["Toy Story"], ["Home Alone"]),
    ("Fargo was great. Not a fan of Die Hard.", ["Fargo"], ["Die Hard"]),
    ("Loved Inception. Not sure about Die Hard.", ["Inception"], []),  # unsure is no dislike
])
def test_each_film_in_a_sentence_gets_what_its_own_clause_says(world, text, liked, disliked):
    catalog, parser = world
    plan = parser.plan(text, Recall())
    said = feedback_of(plan)
    assert said == {**{by_title(catalog, t): "liked" for t in liked}, **{by_title(catalog, t): "disliked" for t in disliked}}, \
        (text, calls(plan))
    requests = [c["args"] for c in calls(plan) if c["name"] == "recommend"]
    assert bool(requests) == bool(liked)  # likes are a request too; dislikes alone are not
    for args in requests:
        assert set(args["like"]) == {by_title(catalog, t) for t in liked}  # a disliked film is never a seed
        assert {by_title(catalog, t) for t in disliked} <= set(args.get("exclude", []))


@pytest.mark.parametrize("text, genre", [("I like comedies. Thanks, bye!", "Comedy"),
                                         ("Something scary from the 80s would be great. Bye!", "Horror")])
def test_a_request_that_ends_in_goodbye_is_still_answered(world, text, genre):
    _, parser = world
    recommend = [c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend"]
    assert recommend and genre in recommend[0].get("genres", []), recommend


@pytest.mark.parametrize("text, seed, avoided", [
    ("a comedy, nothing like Home Alone", None, "Home Alone"),
    ("Hi, a good romance please. Nothing like Casablanca (1942) though", None, "Casablanca"),
    ("like Fargo but lighter", "Fargo", None), ("Like Toy Story, but for grown-ups", "Toy Story", None),
    ("Don't you have anything like Fargo?", "Fargo", None), ("I wouldn't mind something like Toy Story", "Toy Story", None),
    ("I want something great like Fargo", "Fargo", None), ("I love movies like Toy Story", "Toy Story", None),
])
def test_a_comparison_records_nothing_and_a_negated_one_seeds_nothing(world, text, seed, avoided):
    catalog, parser = world
    plan = parser.plan(text, Recall())
    assert not feedback_of(plan), calls(plan)
    (call,) = calls(plan)
    assert call["args"].get("like", []) == ([by_title(catalog, seed)] if seed else []), call
    if avoided:
        assert by_title(catalog, avoided) in call["args"].get("exclude", []), call


@pytest.mark.parametrize("text, film", [
    ("My wife adored Casablanca", "Casablanca"), ("my kids have seen Frozen five times", "Frozen"),
    ("They didn't care much for Fargo", "Fargo"), ("my brother hated Heat", "Heat"),
])
def test_someone_elses_taste_is_not_the_speakers_to_record(world, text, film):
    catalog, parser = world
    plan = parser.plan(text, Recall())
    assert not feedback_of(plan), calls(plan)
    if "adored" in text:  # liked by someone else: still a fair seed for the picks
        assert [c["args"].get("like") for c in calls(plan)] == [[by_title(catalog, film)]], calls(plan)


@pytest.mark.parametrize("text", [
    "Understand. It looked disturbing from the trailers...Well I believe that is all for now. Have a good day!",
    "Ok cool. Not my thing. Bye!", "That one sounds fun. Thanks for the help, bye",
])
def test_a_message_ending_in_goodbye_gets_no_list(world, text):
    catalog, parser = world
    memory = replace(shown(catalog, "Casablanca", "Heat"), last_recommend={"genres": ["Drama"], "k": 5})
    plan = parser.plan(text, memory)
    assert not [c for c in calls(plan) if c["name"] == "recommend"] and plan.answer, calls(plan)


@pytest.mark.parametrize("text, said", [
    ("I loved the first, not so much the second", {1: "liked", 2: "disliked"}),
    ("the first was great but the third was boring", {1: "liked", 3: "disliked"}),
    ("I liked the second one but not the third", {2: "liked", 3: "disliked"}),
    ("I hated the first and the third", {1: "disliked", 3: "disliked"}),
])
def test_each_position_in_a_sentence_gets_what_its_own_clause_says(world, text, said):
    catalog, parser = world
    memory = shown(catalog, "Casablanca", "Fargo", "Heat")
    plan = parser.plan(text, memory)
    assert feedback_of(plan) == {memory.last_shown[n - 1]["id"]: kind for n, kind in said.items()}, calls(plan)


@pytest.mark.parametrize("text, kind_word", [
    ("I don't really like the Up movies much", "Up"), ("it didn't feel like a superhero movie", "Superhero"),
    ("not a fan of the Blade films", "Blade"), ("something like a heat movie", "Heat"),
])
def test_a_title_used_as_a_kind_of_film_is_no_seed(big_world, text, kind_word):
    catalog, parser = big_world
    plan = parser.plan(text, Recall())
    named = {i.id for i in catalog.items.values() if i.title.split()[0] == kind_word}
    assert not any(set(c["args"].get("like", [])) & named for c in calls(plan)), calls(plan)
    assert not any(c["args"].get("item") in named for c in calls(plan) if c["name"] == "record_feedback")


@pytest.mark.parametrize("text, title, year", [
    ("something like Night of the Living Dead (1968), but newer", "Night of the Living Dead", 1968),
    ("I want something like Die Hard (1988)", "Die Hard", 1988),
])
def test_the_year_after_a_title_is_no_title_of_its_own(big_world, text, title, year):
    catalog, parser = big_world
    (call,) = [c for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend"]
    assert call["args"]["like"] == [by_title(catalog, title, year)], call  # not also a film called "1968"


def test_a_year_that_is_another_films_writes_nothing(big_world):
    catalog, parser = big_world
    things = {by_title(catalog, "The Thing", 1982), by_title(catalog, "The Thing", 2011)}
    for text in ("I loved The Thing (1995)", "The Thing (1995) was great", "something like The Thing (1995)"):
        plan = parser.plan(text, Recall())  # the catalog has 1982 and 2011: asked about at most, never written
        assert not [c for c in calls(plan) if c["name"] == "record_feedback"], calls(plan)
        assert plan.confirm is None or plan.confirm["item"] in things


def test_a_title_runs_on_past_its_own_comma(embedder):
    catalog = Catalog.from_items([*big_catalog(2_000).items.values(),
                                  Item("mi", "Monsters, Inc.", "", ("Animation", "Children"), year=2001),
                                  Item("mo", "Monsters", "", ("Drama", "Sci-Fi"), year=2010)], [])
    parser = OfflinePlanner.for_catalog(catalog, encode=embedder.encode).parser
    (call,) = calls(parser.plan("maybe something like Monsters, Inc. (2001)", Recall()))
    assert call["args"]["like"] == ["mi"], call


@pytest.mark.parametrize("text", ["Can you name a few more just like those?", "more like these please",
                                  "anything along those lines?", "something like them but older"])
def test_more_like_those_takes_the_whole_list_within_its_search(world, text):
    catalog, parser = world
    memory = replace(shown(catalog, "Casablanca", "Fargo", "Heat"), last_recommend={"genres": ["Drama"], "k": 5})
    (call,) = calls(parser.plan(text, memory))
    assert call["name"] == "recommend" and call["args"]["genres"] == ["Drama"], call
    picked_from = set(call["args"].get("like", [])) | set(call["args"].get("exclude", []))
    assert set(memory.shown_ids) <= picked_from  # seeds, or kept out: never shown again
    assert not call["args"].get("wish"), call


@pytest.mark.parametrize("text, genres", [
    ("Fun! Something fun for tonight?", ["Romance"]),
    ("I liked When Harry Met Sally... Any movies like that?", ["Romance"]),
    ("Yes what would you suggest I see tonight?", ["Romance"]),
    ("something like Alien", None),  # its film shares no genre of the search: another subject
    ("I want a horror film", ["Horror"]),
    ("actually, surprise me", None),
])
def test_a_request_stays_within_the_conversations_genres(world, text, genres):
    catalog, parser = world
    memory = replace(shown(catalog, "Casablanca", "When Harry Met Sally..."),
                     last_recommend={"genres": ["Romance"], "exclude_genres": ["War"], "k": 5})
    recommend = [c for c in calls(parser.plan(text, memory)) if c["name"] == "recommend"]
    assert recommend, text
    assert recommend[-1]["args"].get("genres") == genres, recommend
    if text != "actually, surprise me":
        assert "War" in recommend[-1]["args"].get("exclude_genres", []), recommend  # "no war films" still holds


@pytest.fixture(scope="module")
def dotted(embedder):
    """A catalog whose titles hold full stops, and films of every age."""
    catalog = Catalog.from_items([*big_catalog(2_000).items.values(),
                                  Item("md", "Mrs. Doubtfire", "", ("Comedy", "Drama"), year=1993),
                                  Item("dn", "Dr. No", "", ("Action", "Adventure", "Thriller"), year=1962),
                                  Item("dm1", "Despicable Me", "", ("Animation", "Children", "Comedy"), year=2010),
                                  Item("dm2", "Despicable Me 2", "", ("Animation", "Children", "Comedy"), year=2013)], [])
    return OfflinePlanner.for_catalog(catalog, encode=embedder.encode).parser


@pytest.mark.parametrize("text, like", [
    ("I am looking for movies along the lines of Mrs. Doubtfire", ["md"]),
    ("Hi. I loved Mrs. Doubtfire. Any ideas?", ["md"]),
    ("Something like Dr. No... but newer", ["dn"]),
])
def test_a_titles_full_stop_ends_no_sentence(dotted, text, like):
    recommend = [c for c in calls(dotted.plan(text, Recall())) if c["name"] == "recommend"]
    assert recommend and recommend[-1]["args"].get("like") == like, calls(dotted.plan(text, Recall()))
    assert not recommend[-1]["args"].get("wish"), recommend  # no piece of the title left over as a wish


def test_older_before_the_kind_says_how_old_the_kind_is(dotted):
    (*_, call) = calls(dotted.plan("I also like older comedies such as Mrs. Doubtfire (1993)", Recall()))
    assert call["args"]["like"] == ["md"] and "year_to" not in call["args"], call
    (call,) = calls(dotted.plan("something similar to Mrs. Doubtfire but older", Recall()))
    assert call["args"]["year_to"] == 1992, call
    (call,) = calls(dotted.plan("anything like Dr. No but newer?", Recall()))
    assert call["args"]["year_from"] == 1963, call


@pytest.mark.parametrize("text, kind, seeded", [
    ("I just saw Heat (1995) and enjoyed it", "liked", True),
    ("I saw Heat (1995) it was amazing", "liked", True),
    ("I watched Heat (1995) last week, it was boring", "disliked", False),
    ("I've seen Heat (1995) but didn't like it", "disliked", False),
    ("I recently watched Heat (1995)", "seen", True),  # picks like it; recorded only as seen
])
def test_what_they_thought_of_a_film_they_saw_outranks_that_they_saw_it(world, text, kind, seeded):
    catalog, parser = world
    heat = by_title(catalog, "Heat", 1995)
    plan_calls = calls(parser.plan(text, Recall()))
    assert [c["args"]["kind"] for c in plan_calls if c["name"] == "record_feedback"] == [kind], plan_calls
    assert (heat in sum((c["args"].get("like", []) for c in plan_calls if c["name"] == "recommend"), [])) == seeded, plan_calls


@pytest.mark.parametrize("text", ["Do you have any movie recommendations?", "do you have any films?"])
def test_asking_for_films_is_no_catalog_search(world, text):
    _, parser = world
    (call,) = calls(parser.plan(text, Recall()))
    assert call["name"] == "recommend" and not call["args"].get("wish"), call


@pytest.mark.parametrize("text, include, exclude", [
    ("they're a little too romantic for my taste", [], ["Romance"]),
    ("too much action for me, maybe a drama?", ["Drama"], ["Action"]),
    ("too scary for the kids, something funny?", ["Children", "Comedy"], ["Horror"]),  # and what the tags teach
    ("I like horror too", ["Horror"], []),
])
def test_too_much_of_a_genre_rules_it_out(world, text, include, exclude):
    _, parser = world
    found, ruled_out = parser.lexicon.parse(text)
    assert set(include) <= set(found) and ruled_out == exclude, (found, ruled_out)


def test_too_much_for_my_taste_is_no_history_question(world):
    catalog, parser = world
    memory = replace(shown(catalog, "Casablanca", "When Harry Met Sally..."), last_recommend={"genres": ["Comedy"], "k": 5})
    plan_calls = calls(parser.plan("That was a great movie, I agree! They're a little too romantic for my taste!", memory))
    assert [c["name"] for c in plan_calls] == ["recommend"], plan_calls
    assert plan_calls[0]["args"]["exclude_genres"] == ["Romance"] and not plan_calls[0]["args"].get("wish"), plan_calls
    assert [c["name"] for c in calls(parser.plan("what's my taste?", memory))] == ["user_history"]


# "too dry for me" after "seen" says why it missed: a dislike, as for a film named ("I watched Heat
# and it was way too long for me"; opinions.says_it_missed).
@pytest.mark.parametrize("text, kind", [("I've seen that one, it's too dry for me", "disliked"), ("I've seen it", "seen"),
                                        ("didn't like it", "disliked")])
def test_when_the_only_pick_shown_is_known_the_search_goes_on(world, text, kind):
    catalog, parser = world
    memory = replace(shown(catalog, "Casablanca"), last_recommend={"genres": ["Romance"], "k": 1})
    plan = parser.plan(text, memory)
    (feedback, recommend) = calls(plan)
    assert feedback["name"] == "record_feedback" and feedback["args"]["kind"] == kind and feedback["args"]["item"] in memory.shown_ids
    assert recommend["name"] == "recommend" and recommend["args"]["genres"] == ["Romance"], recommend
    assert set(memory.shown_ids) <= set(recommend["args"]["exclude"])


def test_while_picks_are_left_feedback_is_only_recorded(world):
    catalog, parser = world
    memory = replace(shown(catalog, "Casablanca", "When Harry Met Sally..."), last_recommend={"genres": ["Romance"], "k": 5})
    assert [c["name"] for c in calls(parser.plan("I've seen the second one", memory))] == ["record_feedback"]


@pytest.mark.parametrize("text", ["Haha, thanks....Can you recommend me some more?", "got anything similar?"])
def test_more_after_a_list_goes_on_with_its_search(world, text):
    catalog, parser = world
    memory = replace(shown(catalog, "Casablanca", "When Harry Met Sally..."), last_recommend={"genres": ["Romance"], "k": 5})
    (call,) = calls(parser.plan(text, memory))
    assert call["name"] == "recommend" and call["args"].get("genres") == ["Romance"], call
    assert set(memory.shown_ids) <= set(call["args"].get("exclude", [])) | set(call["args"].get("like", []))


def test_misspelt_genre_and_kind_words_are_read(world):
    _, parser = world
    (call,) = calls(parser.plan("Maybe I like scfi more than I think", Recall()))
    assert call["args"]["genres"] == ["Sci-Fi"], call
    (call,) = calls(parser.plan("any good thrilers?", Recall()))
    assert call["args"]["genres"] == ["Thriller"], call
    assert parser.speller("do you know some great new moveis") == "do you know some great new movies"
    assert parser.speller("Moveis like Zootopia") == "Movies like Zootopia"
    # A plural is put right as its dictionary form would be ("comdy" -> "comedy").
    (call,) = calls(parser.plan("Hi. I usually like comdies and musicls", Recall()))
    assert set(call["args"]["genres"]) == {"Comedy", "Musical"} and not call["args"].get("like"), call


@pytest.mark.parametrize("text, title, kind", [
    ("I liekd casablanca", "Casablanca", "liked"), ("I really enjoued casablanca!", "Casablanca", "liked"),
    ("Loevd casablanca", "Casablanca", "liked"), ("I wacthed Toy Story last night", "Toy Story", "seen"),
    ("I hatted Home Alone", "Home Alone", "disliked"),
])
def test_a_misspelt_cue_word_still_records_the_taste(world, text, title, kind):
    catalog, parser = world
    plan = parser.plan(text, Recall())
    assert feedback_of(plan) == {by_title(catalog, title): kind}, calls(plan)


@pytest.mark.parametrize("text, args", [
    ("can you reccomend a horor film", {"genres": ["Horror"]}),
    ("somthing simular to heat", {"like": "Heat"}),
    ("Sugest me a comdy from the 80s", {"genres": ["Comedy"], "year_from": 1980}),
])
def test_a_misspelt_request_is_followed(world, text, args):
    catalog, parser = world
    (call,) = calls(parser.plan(text, Recall()))
    expected = {k: [by_title(catalog, v)] if k == "like" else v for k, v in args.items()}
    assert call["name"] == "recommend" and {k: call["args"].get(k) for k in expected} == expected, call


def test_the_speller_leaves_names_and_far_words_as_written(world):
    _, parser = world
    # A capital inside the sentence is a name; an unknown word far from every cue word is the person's own.
    assert parser.speller("Anything with Wes Andersn or Liekd?") == "Anything with Wes Andersn or Liekd?"
    assert parser.speller("something quixotish and lieked") == "something quixotish and liked"
    # Contractions stay whole ("haven" is one edit from "have").
    assert parser.speller("I haven't seen it, they weren't good") == "I haven't seen it, they weren't good"
    # Two cue words as near ("hatd": hated, hate): which one is not guessed.
    assert parser.speller("i hatd it") == "i hatd it"


@pytest.mark.parametrize("text", ["seen it", "Yes, I have seen that one. What else do you have?", "I liked it"])
def test_it_after_a_list_of_several_writes_nothing(world, text):
    catalog, parser = world
    memory = replace(shown(catalog, "Casablanca", "When Harry Met Sally..."), last_recommend={"genres": ["Romance"], "k": 5})
    plan = parser.plan(text, memory)
    assert not [c for c in calls(plan) if c["name"] == "record_feedback"], calls(plan)  # which one? never a guess


def test_a_film_they_watched_seeds_picks_and_is_recorded_only_as_seen(world):
    catalog, parser = world
    heat = by_title(catalog, "Heat", 1995)
    plan_calls = calls(parser.plan("I recently watched Heat (1995)", Recall()))
    assert [(c["name"], c["args"].get("kind")) for c in plan_calls] == [("record_feedback", "seen"), ("recommend", None)]
    assert plan_calls[1]["args"]["like"] == [heat]
    # One they haven't seen is no seed.
    assert not any(heat in c["args"].get("like", []) for c in calls(parser.plan("I haven't seen Heat (1995) yet", Recall())))


@pytest.mark.parametrize("text, genres", [("a chick flick for tonight", ["Romance"]), ("an 80s comedic horror", ["Comedy", "Horror"]),
                                          ("Looking for a nice chickflick movie", ["Romance"])])
def test_everyday_names_of_genres(world, text, genres):
    _, parser = world
    assert set(genres) <= set(parser.lexicon.parse(text)[0])


def test_a_film_they_have_not_seen_is_a_seed_only_when_they_ask_for_films_like_it(world):
    catalog, parser = world
    heat = by_title(catalog, "Heat", 1995)
    (call,) = calls(parser.plan("I haven't seen Heat (1995) but can you recommend other movies like it?", Recall()))
    assert call["args"]["like"] == [heat], call


@pytest.mark.parametrize("text, out", [("I loved Mrs Dobtfire (1993), anything funny?", {"md"}),
                                       ("Oh I do love the Despicable Me movies a lot!! Anything else for the kids?", {"dm1", "dm2"})])
def test_films_they_named_however_written_are_no_picks(dotted, text, out):
    recommend = [c for c in calls(dotted.plan(text, Recall())) if c["name"] == "recommend"]
    assert recommend, calls(dotted.plan(text, Recall()))
    args = recommend[-1]["args"]
    assert out <= set(args.get("exclude", [])) | set(args.get("like", [])), args


@pytest.fixture(scope="module")
def names(embedder):
    """Films whose titles are also part of longer names, roles and people: *The Game* in
    "Game of Thrones", *Spider-Man* the role, a stand-up special named for its comedian, whom
    the catalog's tags also name."""
    extra = [Item("game", "The Game", "", ("Drama", "Mystery", "Thriller"), year=1997),
             Item("pitch", "Pitch Perfect", "", ("Comedy", "Musical"), year=2012),
             Item("spider", "Spider-Man", "", ("Action", "Adventure"), year=2002),
             Item("robin", "Robin Williams: Live on Broadway", "", ("Comedy",), year=2002),
             Item("sw4", "Star Wars: Episode IV - A New Hope", "", ("Action", "Sci-Fi"), year=1977),
             Item("sw5", "Star Wars: Episode V - The Empire Strikes Back", "", ("Action", "Sci-Fi"), year=1980),
             Item("thieves", "Thieves", "", ("Crime", "Drama"), year=1996),
             Item("alice", "Alice", "", ("Comedy", "Fantasy"), year=1990),
             Item("planes", "Planes", "", ("Animation", "Comedy"), year=2013),
             Item("ptaa", "Planes, Trains & Automobiles", "", ("Comedy",), year=1987),
             Item("angels", "City of Angels", "", ("Drama", "Romance"), year=1998),
             *(Item(f"rw{n}", f"A Robin Williams Film {n}", "", ("Comedy",), tags=("Robin Williams",), year=1990 + n)
               for n in range(4))]
    base = big_catalog()  # 10,000 titles, as the other real-words tests
    # As well known as the best-known films there, so only what the words say decides.
    ratings = [Interaction(f"u{u}", item, 4.0, 1_600_000_000) for item in ("game", "pitch", "spider", "sw4", "thieves", "alice",
                                                                             "planes", "angels") for u in range(300)]
    catalog = Catalog.from_items([*base.items.values(), *extra], [*base.interactions, *ratings])
    return catalog, OfflinePlanner.for_catalog(catalog, encode=embedder.encode).parser


@pytest.mark.parametrize("text, not_meant", [
    ("Can you recommend something like Game of Thrones?", "game"),  # a longer name holds the title
    ("I loved Pitch Perfect 3, anything like it?", "pitch"),  # a sequel the catalog lacks
    ("He is a great actor but didn't he play Spider Man?", "spider"),  # a role
    ("my son loves playing Spider-Man on his console, any films for him?", "spider"),
    ("As someone who loved Robin Williams, any comedies?", "robin"),  # a person the tags name
    ("Oh I dont like any of the star wars", "sw4"),  # a series
    ("Den of Thieves (2018) sounds amazing, any others like that?", "thieves"),
    ("the Spider-Man guy in that one was great, any comedies?", "spider"),  # a person
    ("yes .. how about Alice in Wonderland (1976)", "alice"),  # "X in Y", a title the catalog lacks
    ("How about Planes, Trains and Automobiles (1986)?", "planes"),  # the catalog writes "&"
    ("Have you seen Thieves in the Temple?", "thieves"),  # other titles, the same shapes
    ("Alice in Chains was playing while we watched, any dramas?", "alice"),
    ("my kids love Planes, Trains & Automobiles", "planes"),
])
def test_a_title_inside_a_longer_name_a_role_or_a_person_is_not_meant(names, text, not_meant):
    catalog, parser = names
    plan = parser.plan(text, Recall())
    assert not_meant not in linked_ids(plan), calls(plan)


@pytest.mark.parametrize("text, meant", [
    ("Can you recommend something like The Game?", "game"), ("I loved Pitch Perfect, anything like it?", "pitch"),
    ("I really liked Spider-Man (2002)", "spider"),
    ("How about Planes, Trains and Automobiles (1986)?", "ptaa"), ("I liked Meg Ryan in City of Angels", "angels"),
    ("my kids love Planes, Trains & Automobiles", "ptaa"), ("Nicolas Cage in City of Angels was great", "angels"),
])
def test_the_same_titles_written_alone_are_meant(names, text, meant):
    catalog, parser = names
    assert meant in linked_ids(parser.plan(text, Recall()))


@pytest.mark.parametrize("text", ["Oh I dont like any of the star wars... I know Im wierd",
                                  "not a fan of the Star Wars movies tbh"])
def test_a_series_disliked_is_kept_out_whole_and_its_words_are_no_genre(names, text):
    catalog, parser = names
    plan = parser.plan(text, Recall())
    assert plan.confirm is None and not plan.answer, plan  # no "Do you mean Episode IV?"
    (call,) = [c for c in calls(plan) if c["name"] == "recommend"]
    assert {"sw4", "sw5"} <= set(call["args"].get("exclude", [])), call
    assert "War" not in call["args"].get("exclude_genres", []), call  # "wars" is the series' word
    assert not [c for c in calls(plan) if c["name"] == "record_feedback"]


@pytest.mark.parametrize("text", ["have you seen it?", "Have you ever watched it?", "Have you seen Heat?",
                                  "I didn't care for Casablanca, have you seen it?"])
def test_asking_the_bot_whether_it_saw_a_film_records_nothing(world, text):
    catalog, parser = world
    memory = shown(catalog, "Heat")
    memory = replace(memory, last_item=memory.last_shown[0])
    plan = parser.plan(text, memory)
    assert not [c for c in calls(plan) if c["name"] == "record_feedback" and c["args"]["kind"] == "seen"], calls(plan)


@pytest.mark.parametrize("text, title", [("Die Hard is a classic", "Die Hard"), ("Inception was such a classic!", "Inception"),
                                         ("The Matrix is an old favourite of mine", "The Matrix")])
def test_what_a_sentence_says_of_a_title_is_no_request(world, text, title):
    catalog, parser = world
    for memory in (Recall(), replace(shown(catalog, "Casablanca", "Fargo"), last_recommend={"k": 5, "genres": ["Comedy"]})):
        (call,) = [c for c in calls(parser.plan(text, memory)) if c["name"] == "recommend"]
        assert call["args"].get("like") == [by_title(catalog, title)], call  # anchored on it, not the old search
        assert "year_to" not in call["args"] and "year_from" not in call["args"], call  # "classic", "old" said of it


@pytest.mark.parametrize("text", ["Heat is a true classic, anything like it?", "I watched Heat last night. Got more like it?"])
def test_it_is_the_film_the_message_names_before_the_one_last_shown(world, text):
    catalog, parser = world
    memory = shown(catalog, "Casablanca")
    memory = replace(memory, last_item=memory.last_shown[0])
    plan = parser.plan(text, memory)
    seeds = {s for c in calls(plan) for s in c["args"].get("like", []) + c["args"].get("items", [])}
    assert seeds == {by_title(catalog, "Heat")}, calls(plan)


def test_a_title_just_shown_is_taken_as_meant(world):
    catalog, parser = world
    memory = shown(catalog, "Heat", "Fargo", "Casablanca")
    plan = parser.plan("not heat, something else", memory)
    assert plan.confirm is None and by_title(catalog, "Heat") in calls(plan)[0]["args"].get("exclude", []), plan
    plan = parser.plan("I've seen heat", memory)
    assert [(c["args"]["item"], c["args"]["kind"]) for c in calls(plan) if c["name"] == "record_feedback"] == \
        [(by_title(catalog, "Heat"), "seen")], plan


def within_comedies(catalog: Catalog) -> Recall:
    """A conversation that asked for comedies and was shown two films."""
    return replace(shown(catalog, "Casablanca", "Fargo"), last_recommend={"genres": ["Comedy"], "k": 5})


@pytest.mark.parametrize("text", [
    "I'm going to pass on Home Alone. Toy Story is one I still need to watch. Any other ideas?",
    "I'll skip Home Alone, anything else?",
    "Toy Story (1995) is a great idea. What else would you suggest?",
    "Home Alone is cute but we have seen it a ton of times. What else?",
])
def test_what_a_message_says_of_named_films_is_no_wish_and_the_search_goes_on(world, text):
    catalog, parser = world
    picks = [c["args"] for c in calls(parser.plan(text, within_comedies(catalog))) if c["name"] == "recommend"]
    assert picks and picks[0].get("genres") == ["Comedy"] and "wish" not in picks[0], (text, picks)


@pytest.mark.parametrize("text", [
    "Toy Story is one I still need to watch", "I'll look into Fargo!", "I want to see Home Alone someday",
    "Fargo sounds amazing", "I'm interested in Toy Story", "I'll pass on Fargo, anything else?",
])
def test_meaning_to_watch_a_film_or_not_records_nothing(world, text):
    catalog, parser = world
    plan = parser.plan(text, Recall())
    assert not [c for c in calls(plan) if c["name"] == "record_feedback"], (text, calls(plan))


@pytest.mark.parametrize("text, seeded", [("I'll pass on Fargo, anything else?", False), ("Not interested in Fargo, what else?", False),
                                          ("I'm interested in Fargo! What else is there?", True), ("Fargo sounds amazing", True)])
def test_a_film_they_mean_to_watch_seeds_the_picks_and_one_they_pass_on_does_not(world, text, seeded):
    catalog, parser = world
    fargo = by_title(catalog, "Fargo")
    picks = [c["args"] for c in calls(parser.plan(text, within_comedies(catalog))) if c["name"] == "recommend"]
    assert picks and (fargo in picks[0].get("like", [])) == seeded, (text, picks)


@pytest.mark.parametrize("text, kind", [("I did see Fargo, it was awesome", "liked"), ("I did see Toy Story", "seen"),
                                        ("We watched Home Alone last night", "seen"), ("I've seen Fargo a ton of times", "seen")])
def test_what_they_did_watch_is_recorded(world, text, kind):
    catalog, parser = world
    recorded = [c["args"]["kind"] for c in calls(parser.plan(text, Recall())) if c["name"] == "record_feedback"]
    assert recorded == [kind], text


@pytest.mark.parametrize("text", ["I've seen it. It's a bit more of a family movie than what I am after.",
                                  "seen that one, it's too slow for me", "I didn't like it, not really my thing"])
def test_a_pick_that_missed_is_recorded_and_the_search_goes_on_past_it(world, text):
    catalog, parser = world
    memory = replace(within_comedies(catalog), last_item={"id": by_title(catalog, "Fargo")},
                     last_recommend={"genres": ["Comedy"], "like": [by_title(catalog, "Fargo")], "k": 5})
    plan = parser.plan(text, memory)
    (feedback,) = [c["args"] for c in calls(plan) if c["name"] == "record_feedback"]
    (picks,) = [c["args"] for c in calls(plan) if c["name"] == "recommend"]
    assert feedback["item"] == by_title(catalog, "Fargo") and feedback["kind"] in ("seen", "disliked")
    # Seen or disliked, the film is out of the picks (the recommender leaves out what a person has seen).
    assert picks["genres"] == ["Comedy"] and not picks.get("like"), picks


@pytest.mark.parametrize("text", ["I've seen that one, it was too scary for me", "seen it, too scary",
                                  "that one was a bit too scary for my liking", "watched that one already, not really my thing"])
def test_a_reaction_to_one_of_several_that_says_why_it_missed_goes_on_past_the_list(world, text):
    catalog, parser = world
    plan = parser.plan(text, within_comedies(catalog))
    # Which of the five they mean is unsaid, so nothing is written; the reason refines the search.
    assert not [c for c in calls(plan) if c["name"] == "record_feedback"], calls(plan)
    (picks,) = [c["args"] for c in calls(plan) if c["name"] == "recommend"]
    assert picks["k"] == 5 and picks["genres"] == ["Comedy"], picks
    if "scary" in text:  # what made it miss is ruled out
        assert picks["exclude_genres"] == ["Horror"], picks
    else:  # no reason given: past the films shown
        assert set(within_comedies(catalog).shown_ids) <= set(picks.get("exclude", [])), picks


def test_a_pick_only_said_to_be_seen_is_recorded_and_the_list_stands(world):
    catalog, parser = world
    plan = parser.plan("seen the second one", within_comedies(catalog))
    assert [c["name"] for c in calls(plan)] == ["record_feedback"]


def test_a_negated_kind_within_a_genre_narrows_the_genre_and_does_not_end_it(world):
    _, parser = world
    lexicon = parser.lexicon
    kinds = sorted((p, names) for p, names in lexicon.phrases if p in lexicon.learned and len(names) == 1)
    assert kinds, "the catalog's tags teach no kind within a genre"
    for phrase, (genre,) in kinds:
        assert lexicon.parse(f"i love {genre.lower()} but not {phrase}") == ([genre], []), phrase
        assert lexicon.parse(f"i'm not really into {phrase}", asked=[genre]) == ([], []), phrase
        assert lexicon.parse(f"no {phrase} please") == ([], [genre]), phrase  # no search to narrow: ruled out


def test_a_kind_negated_in_the_middle_of_a_search_keeps_its_genre(world):
    catalog, parser = world
    phrase, (genre,) = next((p, n) for p, n in parser.lexicon.phrases if p in parser.lexicon.learned and len(n) == 1)
    memory = replace(shown(catalog, "Casablanca", "Fargo"), last_recommend={"genres": [genre], "k": 5})
    (picks,) = [c["args"] for c in calls(parser.plan(f"hmm, I'm not really into {phrase}. Anything else?", memory))
                if c["name"] == "recommend"]
    assert picks.get("genres") == [genre] and genre not in picks.get("exclude_genres", []), picks


@pytest.mark.parametrize("text, genre", [("that's not a horror movie", "Horror"), ("those aren't comedies", "Comedy"),
                                         ("hmm, it's not scary", "Horror"), ("no, that isn't really a western", "Western")])
def test_saying_what_was_shown_misses_a_genre_asks_for_the_genre(world, text, genre):
    catalog, parser = world
    (picks,) = [c["args"] for c in calls(parser.plan(text, shown(catalog, "Casablanca", "Fargo"))) if c["name"] == "recommend"]
    assert genre in picks.get("genres", []) and genre not in picks.get("exclude_genres", []), picks


@pytest.mark.parametrize("text", ["I did just see Fargo which I thought was pretty great", "Fargo was hilarious",
                                  "We watch Fargo every year, it's great", "Fargo is hilarious if you haven't seen it yet"])
def test_praise_of_a_film_they_saw_is_a_liking(world, text):
    catalog, parser = world
    recorded = {c["args"]["item"]: c["args"]["kind"] for c in calls(parser.plan(text, Recall())) if c["name"] == "record_feedback"}
    assert recorded == {by_title(catalog, "Fargo"): "liked"}, text


@pytest.mark.parametrize("text", ["I was thinking more like I Know What You Did Last Summer (1997)",
                                  "more like I Know What You Did Last Summer please"])
def test_more_like_a_title_seeds_the_title_not_a_position_its_words_name(big_world, text):
    catalog, parser = big_world
    memory = shown(catalog, "Casablanca", "Toy Story")
    (call,) = calls(parser.plan(text, memory))
    assert call["name"] == "recommend" and call["args"]["like"] == [by_title(catalog, "I Know What You Did Last Summer")], call
    assert "wish" not in call["args"], call


def test_one_of_my_favourites_is_a_taste_not_a_history_question(world):
    catalog, parser = world
    assert not [c for c in calls(parser.plan("Yes, it's one of my favourites", within_comedies(catalog))) if c["name"] == "user_history"]
    for question in ("what are my favourites?", "show me a list of my ratings"):
        assert [c["name"] for c in calls(parser.plan(question, Recall()))] == ["user_history"], question


@pytest.mark.parametrize("text, excluded", [("my son isn't old enough for horror yet", "Horror"),
                                            ("something for date night, that's not a horror movie", "Horror")])
def test_a_negation_that_asks_for_no_more_of_a_genre_still_rules_it_out(world, text, excluded):
    catalog, parser = world
    (picks,) = [c["args"] for c in calls(parser.plan(text, within_comedies(catalog))) if c["name"] == "recommend"]
    assert excluded in picks.get("exclude_genres", []) and excluded not in picks.get("genres", []), picks


@pytest.mark.parametrize("text", ["where can I watch Fargo?", "I watch Fargo tomorrow"])
def test_watching_to_come_is_not_seen(world, text):
    catalog, parser = world
    assert not [c for c in calls(parser.plan(text, Recall())) if c["name"] == "record_feedback"], text


@pytest.mark.parametrize("earlier, text, genres", [
    (["Children"], "They are really more into animated movies", ["Animation", "Children"]),
    (["Children"], "probably more animated, they are young", ["Animation", "Children"]),
    (["Children"], "no kids stuff now, something scary for me", ["Horror"]),
    (["Comedy"], "what about a horror film?", ["Horror"]),  # a kind of film, not an audience: replaced
])
def test_whom_the_films_are_for_stays_when_the_kind_changes(world, earlier, text, genres):
    catalog, parser = world
    memory = replace(shown(catalog, "Casablanca", "Fargo"), last_recommend={"genres": earlier, "k": 5})
    (picks,) = [c["args"] for c in calls(parser.plan(text, memory)) if c["name"] == "recommend"]
    assert sorted(picks.get("genres", [])) == genres, picks


@pytest.mark.parametrize("text, kept", [
    ("I liked Heat with Al Pacino though", ["Comedy"]),  # a taste said mid-search: still comedies, Heat as a seed
    ("I enjoyed Alien (1979) a lot", ["Comedy"]),
    ("anything like Alien?", []),  # asked for films like it: Alien shares no genre with comedies, so the subject changed
    ("something like Ghostbusters", ["Comedy"]),  # a comedy too: within the search
])
def test_a_taste_said_mid_search_keeps_its_genres_and_a_comparison_keeps_those_its_film_shares(world, text, kept):
    catalog, parser = world
    (picks,) = [c["args"] for c in calls(parser.plan(text, within_comedies(catalog))) if c["name"] == "recommend"]
    assert picks.get("genres", []) == kept and picks.get("like"), (text, picks)


@pytest.mark.parametrize("text, genres, excluded", [
    ("It may not have enough action for my liking", ["Action", "Comedy"], []),
    ("it isn't scary enough", ["Comedy", "Horror"], []),
    ("a bit more romantic maybe", ["Comedy", "Romance"], []),
    ("more comedies please", ["Comedy"], []),  # more of the same, not a comparative
    ("I would go for a scary one like Alien", ["Comedy", "Horror"], []),  # "one": of the same kind
])
def test_asking_for_more_of_a_kind_adds_it_to_the_search(world, text, genres, excluded):
    catalog, parser = world
    (picks,) = [c["args"] for c in calls(parser.plan(text, within_comedies(catalog))) if c["name"] == "recommend"]
    assert sorted(picks.get("genres", [])) == genres and picks.get("exclude_genres", []) == excluded, (text, picks)


@pytest.mark.parametrize("text", ["You too. Thanks", "Thanks. Have a nice evening!", "Cool. Thank you!"])
def test_small_talk_in_several_sentences_gets_no_list(world, text):
    catalog, parser = world
    plan = parser.plan(text, within_comedies(catalog))
    assert plan.answer and not plan.steps(), (text, calls(plan))


@pytest.mark.parametrize("text", ["any others like that?", "more like that one please"])
def test_more_like_the_film_in_hand_stays_within_the_search(world, text):
    catalog, parser = world
    fargo = by_title(catalog, "Fargo")
    memory = replace(within_comedies(catalog), last_item={"id": fargo})
    (call,) = calls(parser.plan(text, memory))
    assert call["name"] == "recommend" and call["args"]["like"] == [fargo], call


def test_an_interjection_is_no_title_to_look_up(world):
    catalog, parser = world
    plan = parser.plan("Yea any year is great!", within_comedies(catalog))
    assert not [c for c in calls(plan) if c["name"] == "record_feedback"], calls(plan)


def test_what_is_left_of_a_contraction_is_no_wish(world):
    _, parser = world
    assert not parser._describes("i've", []) and not parser._describes("i'll", [])
    assert parser._describes("something dark and gritty", [])


@pytest.mark.parametrize("text, genres, excluded", [
    ("I hate westerns, how about a thriller?", ["Thriller"], ["Western"]),
    ("I really didn't like the musicals, maybe a romance instead", ["Romance"], ["Musical"]),
    ("I hate westerns, musicals and war films", None, ["Musical", "War", "Western"]),  # a list, not a turn
])
def test_a_disliked_genre_is_ruled_out_and_the_genre_asked_next_is_kept(world, text, genres, excluded):
    catalog, parser = world
    args = next(c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend")
    assert args.get("genres") == genres and sorted(args.get("exclude_genres", [])) == excluded, args


@pytest.mark.parametrize("text", ["Do you know Fargo? Anything like that?", "Have you heard of Fargo (1996)? I'd love something similar."])
def test_the_film_one_sentence_names_is_the_one_the_next_speaks_of(world, text):
    catalog, parser = world
    casablanca = by_title(catalog, "Casablanca")  # the film in hand before: "that" is the one the message names
    plan = parser.plan(text, Recall(last_item={"id": casablanca, "title": "Casablanca", "year": 1942, "genres": []}))
    assert len(calls(plan)) == 1 and linked_ids(plan) == {by_title(catalog, "Fargo")}, calls(plan)


@pytest.mark.parametrize("text, field", [("and the genre?", "genres"), ("ok, the plot?", "description"), ("so its year?", "year"),
                                         ("and the same genre?", None), ("how about the kind with dragons?", None)])
def test_a_question_cut_down_to_its_field_asks_about_the_film_in_hand(world, text, field):
    catalog, parser = world
    fargo = by_title(catalog, "Fargo")
    plan = parser.plan(text, Recall(last_item={"id": fargo, "title": "Fargo", "year": 1996, "genres": []}))
    if field is None:  # more films of that kind, not a question about this one
        assert [c["name"] for c in calls(plan)] == ["recommend"], calls(plan)
    else:
        assert calls(plan) == [{"name": "item_details", "args": {"item": fargo, "fields": [field]}}], calls(plan)


@pytest.mark.parametrize("text, k", [("make it two", 2), ("ok, make it 4 please", 4)])
def test_make_it_a_count_changes_only_the_count(world, text, k):
    catalog, parser = world
    memory = replace(shown(catalog, "Casablanca", "Fargo"), last_recommend={"genres": ["Drama"], "k": 5})
    args = next(c["args"] for c in calls(parser.plan(text, memory)) if c["name"] == "recommend")
    assert args["k"] == k and args.get("genres") == ["Drama"] and "wish" not in args, args


def test_a_reason_after_especially_is_no_kind_to_rule_out(world):
    _, parser = world
    (call,) = calls(parser.plan("nothing scary, especially since it's for the kids", Recall()))
    assert call["args"]["exclude_genres"] == ["Horror"] and "Children" in call["args"]["genres"], call


@pytest.mark.parametrize("text, genres", [("I don't want anything with a twist ending", None),
                                          ("a comedy please, but nothing with twist endings", ["Comedy"]),
                                          ("a comedy, no gimmicks, especially twist endings", ["Comedy"])])
def test_a_negated_tag_rules_out_the_films_carrying_it(world, text, genres):
    catalog, parser = world
    args = next(c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend")
    assert args.get("attributes") == [{"field": "tags", "values": ["twist ending"], "negate": True}], args
    assert args.get("genres") == genres, args


@pytest.mark.parametrize("text", ["it was not as good as the book, any thriller?", "not funny at all, a thriller instead",
                                  "I don't mind a twist ending, a thriller please", "nothing beats a twist ending, a thriller?"])
def test_an_everyday_word_people_tag_films_with_is_no_tag_to_avoid(big_world, text):
    catalog, parser = big_world
    args = next(c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend")
    assert "attributes" not in args and args.get("genres") == ["Thriller"], args


@pytest.mark.parametrize("text", ["I saw Up yesterday and I'm still crying lol", "my kids watched Up again today, so cute"])
def test_a_time_after_a_cued_title_ends_the_title(big_world, text):
    """"watched Up last night and …": the title is "Up", asked about (an everyday word), never
    the rest of the sentence tried as a title and recorded."""
    catalog, parser = big_world
    plan = parser.plan(text, Recall())
    assert not calls(plan) and plan.confirm and plan.confirm["item"] == by_title(catalog, "Up"), (plan.answer, calls(plan))


@pytest.mark.parametrize("text, kept", [("we watched Zorblax Returns last night and loved it", "zorblax returns"),
                                        ("I saw Quentlin Grove recently, pretty good", "quentlin grove"),
                                        ("we watched Zorblax and the Qwertians: Part Deux last weekend", "zorblax and the qwertians: part deux"),
                                        ("I finally saw Born Yesterdy", "born yesterdy")])
def test_an_unknown_title_is_tried_without_what_follows_it(world, text, kept):
    _, parser = world
    tried = [c["args"]["item"] for c in calls(parser.plan(text, Recall())) if c["name"] == "record_feedback"]
    assert tried == [kept], calls(parser.plan(text, Recall()))


@pytest.mark.parametrize("text, position, field", [
    ("the third one sounds great, who directed it?", 2, "director"),
    ("The second looks good! When did it come out?", 1, "year"),
    ("the first one seems nice. what's it about?", 0, "description"),
])
def test_a_question_after_a_reaction_to_a_pick_asks_about_that_pick(world, text, position, field):
    catalog, parser = world
    memory = shown(catalog, "Casablanca", "Fargo", "Heat")
    (call,) = calls(parser.plan(text, memory))
    assert call == {"name": "item_details", "args": {"item": memory.last_shown[position]["id"], "fields": [field]}}, call


@pytest.mark.parametrize("text, seed", [("I loved Casablanca but couldn't stand Fargo. More like that?", "Casablanca"),
                                        ("We hated Heat, but Toy Story was great. Anything like that one?", "Toy Story")])
def test_that_after_a_liked_and_a_disliked_film_is_the_liked_one(world, text, seed):
    catalog, parser = world
    seeds = [c["args"].get("items") or c["args"].get("like") for c in calls(parser.plan(text, Recall()))
             if c["name"] in ("similar_items", "recommend")]
    assert seeds and seeds[-1] == [by_title(catalog, seed)], calls(parser.plan(text, Recall()))


@pytest.mark.parametrize("text, film", [("we've watched Toy Story like a hundred times", "Toy Story"),
                                        ("I rewatched Casablanca like 5 times this year", "Casablanca"),
                                        ("finally finished Inception last night, wow", "Inception")])
def test_a_film_watched_is_recorded_seen_whatever_hedges_the_count(world, text, film):
    """"like ten times" hedges a count, it compares no film; "finished X" says it was watched."""
    catalog, parser = world
    plan = parser.plan(text, Recall())
    assert feedback_of(plan) == {by_title(catalog, film): "seen"}, calls(plan)
    assert any(c["args"].get("like") == [by_title(catalog, film)] for c in calls(plan) if c["name"] == "recommend"), calls(plan)


@pytest.mark.parametrize("text", ["Heat sounds cool, who's in it?", "ok, the second one. who's in it?"])
def test_who_is_in_it_asks_for_the_cast_of_the_film_in_hand(world, text):
    catalog, parser = world
    (call,) = calls(parser.plan(text, shown(catalog, "Casablanca", "Heat")))
    assert call == {"name": "item_details", "args": {"item": by_title(catalog, "Heat"), "fields": ["cast"]}}, call


@pytest.mark.parametrize("text, film, kind", [("I watched Heat and it was way too long for me", "Heat", "disliked"),
                                              ("seen Fargo, not really my thing", "Fargo", "disliked"),
                                              ("Casablanca was wonderful", "Casablanca", "liked"),
                                              ("I watched Heat, the violence was way too much", "Heat", "disliked"),
                                              ("we saw Inception, stunning!", "Inception", "liked")])
def test_what_they_thought_of_a_film_they_watched_is_recorded(world, text, film, kind):
    """A reason it missed ("too long for me", "not my thing") is a dislike of a film they
    watched; praise in a clause with no subject of its own speaks of it."""
    catalog, parser = world
    plan = parser.plan(text, Recall())
    assert feedback_of(plan) == {by_title(catalog, film): kind}, calls(plan)
    if kind == "disliked":
        assert not any(by_title(catalog, film) in c["args"].get("like", []) for c in calls(plan)), calls(plan)


@pytest.mark.parametrize("text, recorded", [("I loved Casablanca way too much", "liked"),
                                            ("Toy Story was way too good, honestly", None),
                                            ("Casablanca sounds too slow for me", None)])
def test_too_much_of_a_good_thing_or_an_impression_is_no_dislike(world, text, recorded):
    catalog, parser = world
    kinds = set(feedback_of(parser.plan(text, Recall())).values())
    assert "disliked" not in kinds and (recorded is None or kinds == {recorded}), calls(parser.plan(text, Recall()))


@pytest.mark.parametrize("text, films", [("We adored Toy Story and Home Alone, what else would we like?", ["Toy Story", "Home Alone"]),
                                         ("I enjoyed Heat and Fargo, any recommendations?", ["Heat", "Fargo"])])
def test_an_and_between_films_joins_them_before_the_request(world, text, films):
    catalog, parser = world
    plan = parser.plan(text, Recall())
    wanted = [by_title(catalog, f) for f in films]
    assert feedback_of(plan) == dict.fromkeys(wanted, "liked"), calls(plan)
    assert [c["args"].get("like") for c in calls(plan) if c["name"] == "recommend"] == [wanted], calls(plan)


def test_an_unsure_film_a_request_refers_to_is_asked_about_first(world):
    """"Frozen made me cry. Anything similar?": "similar" leans on the film, so which film comes
    first; the "yes" re-reads the message with it confirmed. ("Frozen was gorgeous" is sure since
    a verdict after a span counts as evidence of a film.)"""
    catalog, parser = world
    plan = parser.plan("Frozen made me cry. Anything similar?", Recall())
    assert not calls(plan) and plan.confirm and plan.confirm["item"] == by_title(catalog, "Frozen"), (plan.answer, calls(plan))
    confirmed = calls(parser.plan("yes", Recall(pending=plan.confirm)))
    assert any(by_title(catalog, "Frozen") in (c["args"].get("like") or c["args"].get("items") or []) for c in confirmed), confirmed


@pytest.mark.parametrize("text, genre", [("I've never really seen a musical, any good ones?", "Musical"),
                                         ("not watched much horror before, what's a good first one?", "Horror"),
                                         ("never tried a documentary, recommend one?", "Documentary")])
def test_a_kind_they_have_not_tried_is_wanted_not_refused(world, text, genre):
    _, parser = world
    args = next(c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend")
    assert args.get("genres") == [genre] and not args.get("exclude_genres"), args


@pytest.mark.parametrize("text", ["I never watch horror, a comedy please", "I don't watch horror. A comedy?"])
def test_a_kind_they_never_watch_is_still_refused(world, text):
    _, parser = world
    args = next(c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend")
    assert args.get("exclude_genres") == ["Horror"], args


@pytest.mark.parametrize("text, films", [("Casablanca and Toy Story are two of my all time favourites", ["Casablanca", "Toy Story"]),
                                         ("Toy Story and Home Alone were both amazing, honestly", ["Toy Story", "Home Alone"])])
def test_films_named_before_what_is_said_of_them_share_it(world, text, films):
    catalog, parser = world
    plan = parser.plan(text, Recall())
    assert feedback_of(plan) == {by_title(catalog, f): "liked" for f in films}, calls(plan)


@pytest.mark.parametrize("text, film", [("We finally saw Casablanca and adored it. Anything else like that one?", "Casablanca"),
                                        ("Toy Story was wonderful. Got more like it?", "Toy Story")])
def test_more_like_a_film_just_praised_gets_picks_seeded_with_it(world, text, film):
    """As "I loved X. Anything similar?" does: their taste and the seed, not bare neighbours."""
    catalog, parser = world
    plan_calls = calls(parser.plan(text, Recall()))
    assert [c["name"] for c in plan_calls] == ["record_feedback", "recommend"], plan_calls
    assert plan_calls[-1]["args"]["like"] == [by_title(catalog, film)], plan_calls


@pytest.mark.parametrize("text, positions, kind", [("seen the first three already", [0, 1, 2], "seen"),
                                                   ("loved all of them!", [0, 1, 2, 3], "liked"),
                                                   ("honestly hated the last two", [2, 3], "disliked")])
def test_a_run_of_positions_speaks_of_each_film_there(world, text, positions, kind):
    catalog, parser = world
    memory = shown(catalog, "Heat", "Fargo", "Casablanca", "Toy Story")
    plan = parser.plan(text, memory)
    assert feedback_of(plan) == {memory.last_shown[p]["id"]: kind for p in positions}, calls(plan)


def test_both_of_two_and_all_of_a_list_seen_goes_on_past_them(world):
    catalog, parser = world
    memory = shown(catalog, "Heat", "Fargo")
    plan = parser.plan("we've seen both unfortunately", memory)
    assert feedback_of(plan) == {c["id"]: "seen" for c in memory.last_shown}, calls(plan)
    assert any(c["name"] == "recommend" and set(memory.shown_ids) <= set(c["args"].get("exclude", [])) for c in calls(plan)), calls(plan)
    # "both" of a longer list names no run: which two is unsaid, so nothing is written.
    assert not feedback_of(parser.plan("seen both", shown(catalog, "Heat", "Fargo", "Casablanca")))


@pytest.mark.parametrize("text", ["Toy Story honestly bored me", "Home Alone was so tedious", "I thought Casablanca was dreadful"])
def test_everyday_scorn_is_a_dislike(world, text):
    catalog, parser = world
    plan = parser.plan(text, Recall())
    assert set(feedback_of(plan).values()) == {"disliked"} and not any(c["args"].get("like") for c in calls(plan)), calls(plan)


@pytest.mark.parametrize("text, films", [("Fargo and Toy Story are what I love most", ["Fargo", "Toy Story"]),
                                         ("I really liked Toy Story and fargo", ["Toy Story", "Fargo"])])
def test_what_is_said_around_two_listed_films_is_said_of_both(world, text, films):
    """The first film alone is unsure (one capital at a sentence's start; lower case); listed with
    a sure title, it shares the cue said after the pair, or before it."""
    catalog, parser = world
    plan = parser.plan(text, Recall())
    assert linked_ids(plan) >= {by_title(catalog, f) for f in films} and not plan.confirm, (plan.answer, calls(plan))


def test_a_name_written_with_a_capital_is_a_name_though_the_word_is_everyday(embedder):
    """"wilder" and "hitchcock" are words to the embedding model's vocabulary: written lower case
    they need a cue ("by wilder"); written with a capital they are the directors."""
    from chatrec_agent.catalog.attributes import AttributeVocabulary

    catalog = load_catalog(settings_from_dict({}, environ={}).catalog)
    vocabulary = AttributeVocabulary(catalog, embedder.vocabulary())  # as the runtime builds it
    assert {"wilder", "hitchcock"} <= vocabulary.common
    parser = OfflinePlanner.for_catalog(catalog, attributes=vocabulary, encode=embedder.encode).parser
    for text, director in (("big fan of Hitchcock here, what have you got?", "Alfred Hitchcock"),
                           ("I've been really into Wilder lately", "Billy Wilder")):
        args = next(c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend")
        assert [a["values"] for a in args.get("attributes", [])] == [[director]], args
    args = next(c["args"] for c in calls(parser.plan("something a bit wilder please", Recall())) if c["name"] == "recommend")
    assert not args.get("attributes"), args


@pytest.mark.parametrize("text, genres", [("a film to watch with my 7 year old tonight", ["Children"]),
                                          ("anything for a nine-year-old who loves animals?", ["Children"]),
                                          ("something my 15 year old son would like", []),
                                          # A child's age said as "is N": a child, and no count of N picks.
                                          ("my daughter is 9, any films for her?", ["Children"]),
                                          ("my son is 8 and loves dinosaurs", ["Children"]),
                                          ("my kids are 5 and 7, what can we watch?", ["Children"]),
                                          ("my son is 15, something exciting", [])])
def test_an_age_is_a_person_not_an_era(world, text, genres):
    _, parser = world
    args = next(c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend")
    assert args.get("genres", []) == genres and not args.get("year_to") and not args.get("year_from"), args
    assert args.get("k", 5) == 5, args


def test_praise_before_the_wish_is_no_part_of_it(world):
    """"a good slow burn" is searched as "slow burn": "good" says what every wish wants."""
    _, parser = world
    for text in ("recommend me a nice slow burn please", "any good decent slow burns?"):
        args = next(c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend")
        assert args.get("wish") in ("slow burn", "slow burns"), args


@pytest.mark.parametrize("text", ["Awesome, thank you so much for all the help!", "ok thanks a lot, really appreciate it",
                                  "hmm, I'll think it over", "thanks, will do"])
def test_thanks_and_musing_of_any_length_get_a_word_and_no_list(world, text):
    _, parser = world
    plan = parser.plan(text, Recall())
    assert plan.answer and not calls(plan), calls(plan)


def test_thanks_with_something_said_reads_what_was_said(world):
    catalog, parser = world
    plan = parser.plan("thank you, seen it", shown(catalog, "Heat"))
    assert feedback_of(plan) == {by_title(catalog, "Heat"): "seen"}, (plan.answer, calls(plan))


@pytest.mark.parametrize("text, years", [("Maybe something older, like from the 90s?", (1990, 1999)),
                                         ("something like 80s stuff", (1980, 1989))])
def test_like_before_an_era_names_no_film(world, text, years):
    _, parser = world
    args = next(c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend")
    assert (args.get("year_from"), args.get("year_to")) == years and not args.get("like") and not args.get("wish"), args


@pytest.mark.parametrize("text, films", [("any films like Heat, Fargo and Alien?", ["Heat", "Fargo", "Alien"]),
                                         ("something like Toy Story, Home Alone or Paddington", ["Toy Story", "Home Alone", "Paddington"])])
def test_titles_listed_after_a_comparison_are_compared_too(world, text, films):
    catalog, parser = world
    args = next(c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend")
    assert args.get("like") == [by_title(catalog, f) for f in films] and not args.get("exclude"), args


def test_words_after_a_compared_title_say_something_of_it_and_name_no_other(embedder):
    """"like Home Alone for the holidays": the catalog's "Home for the Holidays" is not meant."""
    demo = load_catalog(settings_from_dict({}, environ={}).catalog)
    catalog = Catalog.from_items([*demo.items.values(), Item(id="home-holidays", title="Home for the Holidays", year=1995,
                                                             genres=("Comedy", "Drama")),
                                  Item(id="rainy", title="A Rainy Evening", year=2001, genres=("Drama",))],
                                 demo.interactions)  # which says those two are little known
    parser = OfflinePlanner.for_catalog(catalog, encode=embedder.encode).parser
    for text in ("Something like Home Alone for the holidays", "anything like Casablanca for a rainy evening?"):
        plan = parser.plan(text, Recall())
        wanted = by_title(catalog, text.split("like ")[1].split(" for")[0])
        assert not plan.confirm and linked_ids(plan) == {wanted}, (plan.answer, calls(plan))


@pytest.mark.parametrize("text, title", [("I enjoyed the movie Up a lot", "Up"), ("we watched that film Fargo last week", "Fargo")])
def test_the_movie_before_a_title_says_a_title_follows(big_world, text, title):
    catalog, parser = big_world
    plan = parser.plan(text, Recall())
    assert by_title(catalog, title) in linked_ids(plan) | {(plan.confirm or {}).get("item")}, (plan.answer, calls(plan))


@pytest.mark.parametrize("text, film", [("Home Alone scared me as a kid lol, anything similar?", "Home Alone"),
                                        ("when I was a child I watched Toy Story every day. got more like it?", "Toy Story")])
def test_the_speakers_childhood_asks_for_no_childrens_films_and_no_when(world, text, film):
    catalog, parser = world
    plan = parser.plan(text, Recall())
    args = [c["args"] for c in calls(plan) if c["name"] == "recommend"]
    assert not any("Children" in a.get("genres", []) for a in args), calls(plan)
    assert not any(c["name"] == "item_details" for c in calls(plan)), calls(plan)
    wanted = by_title(catalog, film)
    assert wanted in linked_ids(plan) or (plan.confirm or {}).get("item") == wanted, (plan.answer, calls(plan))


def test_a_film_named_then_more_like_that_gets_picks_seeded_with_it(world):
    catalog, parser = world
    plan_calls = calls(parser.plan("Casablanca got me all teary. Any more like that one?", Recall()))
    assert plan_calls[-1]["name"] == "recommend" and plan_calls[-1]["args"]["like"] == [by_title(catalog, "Casablanca")], plan_calls


@pytest.mark.parametrize("text, kind", [("I saw the second one, adored it", "liked"), ("seen #2 already, it was dull", "disliked"),
                                        ("watched the second one", "seen")])
def test_what_a_later_clause_thinks_of_a_pick_seen_outranks_seen(world, text, kind):
    catalog, parser = world
    memory = shown(catalog, "Heat", "Fargo", "Casablanca")
    assert feedback_of(parser.plan(text, memory)) == {memory.last_shown[1]["id"]: kind}, calls(parser.plan(text, memory))


def test_the_request_is_the_last_part_that_asks(world):
    catalog, parser = world
    plan = parser.plan("We saw Fargo and really enjoyed it, anything like it?", Recall())
    assert feedback_of(plan) == {by_title(catalog, "Fargo"): "liked"}, calls(plan)


@pytest.mark.parametrize("text", ["was the third one any good?", "the third one, worth watching?", "the third, is it decent?"])
def test_a_question_by_meaning_about_a_position_asks_about_the_film_there(world, text):
    catalog, parser = world
    memory = shown(catalog, "Heat", "Fargo", "Casablanca")
    plan_calls = calls(parser.plan(text, memory))
    assert plan_calls and plan_calls[-1]["args"].get("item") == memory.last_shown[2]["id"], (parser.plan(text, memory).answer, plan_calls)


def test_a_word_the_language_knows_is_no_misspelt_surname(demo_world):
    """"sandwich" is a ratio away from Mark Sandrich and "champions" from Jane Campion: words the
    language knows are those words; an unknown word close to a surname ("spielburg") is the name."""
    catalog, parser = demo_world
    for text in ("a film about a sandwich shop", "movies about underdog champions", "any weird mind benders?"):
        args = next(c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend")
        assert not args.get("attributes"), (text, args)
    args = next(c["args"] for c in calls(parser.plan("anything by spielburg?", Recall())) if c["name"] == "recommend")
    assert [a["values"] for a in args.get("attributes", [])] == [["Steven Spielberg"]], args


@pytest.mark.parametrize("text, kind", [("I saw Casablanca last year and I adored it", "liked"),
                                        ("Fargo is such a classic, I love it!", "liked"),
                                        ("We watched Heat on Friday and we hated it", "disliked")])
def test_a_pronoun_after_a_film_the_sentence_names_speaks_of_that_film(world, text, kind):
    catalog, parser = world
    named = next(t for t in ("Casablanca", "Fargo", "Heat") if t in text)
    assert feedback_of(parser.plan(text, Recall()))[by_title(catalog, named)] == kind, calls(parser.plan(text, Recall()))


@pytest.mark.parametrize("text", ["no thanks, I think I'm done for now", "no thank you, that's it for now"])
def test_no_thanks_with_a_goodbye_gets_a_goodbye_and_no_list(world, text):
    _, parser = world
    plan = parser.plan(text, Recall())
    assert plan.answer and not calls(plan), calls(plan)


@pytest.mark.parametrize("text", ["is Fargo really worth it?", "Was Casablanca any good?"])
def test_is_a_named_film_worth_it_asks_about_fit(world, text):
    catalog, parser = world
    named = by_title(catalog, "Fargo" if "Fargo" in text else "Casablanca")
    plan_calls = calls(parser.plan(text, Recall()))
    assert [c["name"] for c in plan_calls] == ["explain", "item_details"] and linked_ids(parser.plan(text, Recall())) == {named}, plan_calls


def test_is_it_worth_it_after_a_list_asks_which(world):
    catalog, parser = world
    plan = parser.plan("is it worth watching?", shown(catalog, "Heat", "Fargo", "Casablanca"))
    assert not calls(plan) and "which" in plan.answer.lower(), (plan.answer, calls(plan))


@pytest.mark.parametrize("text, kind", [("the third one was far too violent for me", "disliked"),
                                        ("ugh, the third is too slow for me", "disliked"),
                                        ("the third one was superb", "liked")])
def test_a_position_with_a_verdict_of_its_own_is_recorded(world, text, kind):
    catalog, parser = world
    memory = shown(catalog, "Heat", "Fargo", "Casablanca")
    assert feedback_of(parser.plan(text, memory)) == {memory.last_shown[2]["id"]: kind}, calls(parser.plan(text, memory))


def test_a_word_of_a_title_names_no_position(embedder):
    demo = load_catalog(settings_from_dict({}, environ={}).catalog)
    catalog = Catalog.from_items([*demo.items.values(), Item(id="dates", title="50 First Dates", year=2004,
                                                             genres=("Comedy", "Romance"))])
    parser = OfflinePlanner.for_catalog(catalog, encode=embedder.encode).parser
    memory = shown(catalog, "Heat", "Fargo", "Casablanca")
    plan = parser.plan("I really love 50 First Dates (2004)", memory)
    assert not {c["args"]["item"] for c in calls(plan) if c["name"] == "record_feedback"} & set(memory.shown_ids), calls(plan)


def test_a_clause_that_calls_a_film_ok_records_nothing_for_it(world):
    catalog, parser = world
    memory = shown(catalog, "Heat", "Fargo", "Casablanca")
    assert feedback_of(parser.plan("the first one was dull, the second was okay", memory)) == \
        {memory.last_shown[0]["id"]: "disliked"}


@pytest.mark.parametrize("text", ["my third favourite kind of film is a western", "the second time we watched a musical we hated it",
                                  "first of all, I loved it", "the third one is my husband's favourite, I hated it"])
def test_an_ordinal_that_counts_something_else_records_nothing_of_a_pick(world, text):
    catalog, parser = world
    memory = shown(catalog, "Heat", "Fargo", "Casablanca")
    plan = parser.plan(text, memory)
    assert not (set(feedback_of(plan)) & set(memory.shown_ids)) or feedback_of(plan) == {memory.last_shown[2]["id"]: "disliked"}, calls(plan)


def test_a_film_named_beside_a_number_is_what_the_sentence_speaks_of(world):
    catalog, parser = world
    memory = shown(catalog, "Heat", "Fargo", "Casablanca")
    assert feedback_of(parser.plan("number 3 on my list is Toy Story, which I adore", memory)) == {by_title(catalog, "Toy Story"): "liked"}


def test_thanks_then_something_said_of_the_film_in_hand_is_read(world):
    catalog, parser = world
    memory = replace(shown(catalog, "Heat"), last_item={"id": by_title(catalog, "Heat"), "title": "Heat"})
    assert feedback_of(parser.plan("no thank you, I already watched that one", memory)) == {by_title(catalog, "Heat"): "seen"}


@pytest.mark.parametrize("text, director", [("anything by speilberg?", "Steven Spielberg"), ("more from scorcese please", "Martin Scorsese")])
def test_a_common_misspelling_of_a_surname_is_still_the_name(demo_world, text, director):
    catalog, parser = demo_world
    args = next(c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend")
    assert [a["values"] for a in args.get("attributes", [])] == [[director]], args


@pytest.mark.parametrize("text, years", [("any westerns from the 60s or 70s?", (1960, 1979)),
                                         ("comedies from the eighties and nineties", (1980, 1999)),
                                         ("a thriller from the 1970s to the 1990s", (1970, 1999))])
def test_decades_joined_are_one_span(world, text, years):
    _, parser = world
    args = next(c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend")
    assert (args.get("year_from"), args.get("year_to")) == years, args


@pytest.mark.parametrize("text", ["We saw Heat and Fargo last month, both were brilliant",
                                  "I watched Casablanca and Heat, loved them both"])
def test_what_is_said_of_both_films_watched_is_said_of_each(world, text):
    catalog, parser = world
    named = [t for t in ("Heat", "Fargo", "Casablanca") if t in text]
    assert feedback_of(parser.plan(text, Recall())) == {by_title(catalog, t): "liked" for t in named}, calls(parser.plan(text, Recall()))


@pytest.mark.parametrize("text", ["nice picks, I'll give the third one a go", "thanks, I'll watch the second one later",
                                  "the first one looks like fun"])
def test_an_acknowledgement_that_names_a_pick_gets_a_word_and_records_nothing(world, text):
    catalog, parser = world
    plan = parser.plan(text, shown(catalog, "Heat", "Fargo", "Casablanca"))
    assert plan.answer and not calls(plan), (plan.answer, calls(plan))


def test_praise_of_the_picks_says_nothing_of_the_one_pointed_at(world):
    catalog, parser = world
    plan = parser.plan("great list! the second one I already saw", shown(catalog, "Heat", "Fargo", "Casablanca"))
    assert feedback_of(plan) == {by_title(catalog, "Fargo"): "seen"}, calls(plan)


@pytest.mark.parametrize("text, film", [("do you have anything like Casablanca?", "Casablanca"),
                                        ("got something similar to Fargo?", "Fargo")])
def test_asking_whether_there_is_something_like_a_film_is_a_request_like_it(world, text, film):
    catalog, parser = world
    plan_calls = calls(parser.plan(text, Recall()))
    assert [c["name"] for c in plan_calls] == ["recommend"] and plan_calls[0]["args"]["like"] == [by_title(catalog, film)], plan_calls


@pytest.mark.parametrize("text, director", [("I cannot stand Kubrick, a drama please", "Stanley Kubrick"),
                                            ("honestly I dislike Hitchcock, any thrillers?", "Alfred Hitchcock")])
def test_a_disliked_director_is_ruled_out_and_the_request_after_the_comma_kept(demo_world, text, director):
    catalog, parser = demo_world
    args = next(c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend")
    assert args.get("attributes") == [{"field": "director", "values": [director], "negate": True}], args
    assert args.get("genres") and not args.get("exclude_genres") and not args.get("wish"), args


@pytest.mark.parametrize("text", ["I never get tired of Kubrick films", "honestly I could never dislike Kubrick, show me some"])
def test_a_dislike_denied_asks_for_the_director(demo_world, text):
    catalog, parser = demo_world
    args = next(c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend")
    assert args.get("attributes") == [{"field": "director", "values": ["Stanley Kubrick"], "negate": False}], args


@pytest.mark.parametrize("text", ["the second one sounds dull", "the third one looks awful tbh"])
def test_scorn_for_a_pick_is_no_acknowledgement(world, text):
    catalog, parser = world
    plan = parser.plan(text, shown(catalog, "Heat", "Fargo", "Casablanca"))
    assert calls(plan) or not plan.answer.startswith("Enjoy"), (plan.answer, calls(plan))


@pytest.mark.parametrize("text, title, check", [
    ("Is Casablanca a romance?", "Casablanca", "Romance"),
    ("was Heat a crime film?", "Heat", "Crime"),
    ("is Alien scary?", "Alien", "Horror"),
])
def test_a_question_about_a_film_it_names_is_answered_from_its_record(world, text, title, check):
    catalog, parser = world
    plan = parser.plan(text, Recall())
    assert calls(plan) == [{"name": "item_details", "args": {"item": by_title(catalog, title), "fields": [], "check": check}}]


def test_an_unsure_title_a_question_asks_about_is_acted_on_or_asked_first(demo_world):
    catalog, parser = demo_world
    # Written as a title: the question writes nothing and its answer names the film, so it is asked.
    plan = parser.plan("Was Soul a comedy?", Recall())
    assert calls(plan) == [{"name": "item_details", "args": {"item": by_title(catalog, "Soul"), "fields": [], "check": "Comedy"}}]
    # All lower case: which film, first; no list of comedies, nothing recorded.
    plan = parser.plan("was soul a comedy?", Recall())
    assert plan.confirm == {"item": by_title(catalog, "Soul"), "span": "soul", "text": "was soul a comedy?"} and not calls(plan)
    # Everyday words are no film asked about: "is it a comedy?" with nothing in hand asks which.
    assert not calls(parser.plan("is it a comedy?", Recall()))


@pytest.mark.parametrize("text, kind, asked, fields", [
    ("I've seen the first, what's the second about?", "seen", "Fargo", ["description"]),
    ("loved the second one, who directed the third?", "liked", "Heat", ["director"]),
    ("didn't like the first one but when did the second come out?", "disliked", "Fargo", ["year"]),
])
def test_a_reaction_then_a_question_records_it_and_answers(world, text, kind, asked, fields):
    catalog, parser = world
    plan = parser.plan(text, shown(catalog, "Casablanca", "Fargo", "Heat"))
    recorded = [c["args"] for c in calls(plan) if c["name"] == "record_feedback"]
    assert len(recorded) == 1 and recorded[0]["kind"] == kind
    assert [c["args"] for c in calls(plan) if c["name"] == "item_details"] == [{"item": by_title(catalog, asked), "fields": fields}]


@pytest.mark.parametrize("text", [
    "everyone at work talks about \"up\", I want an animated film",
    "my nephew keeps quoting \"Up\", any animated films?",
])
def test_a_title_written_as_one_but_too_unsure_to_act_on_is_kept_out_of_the_picks(world, text):
    catalog, parser = world
    plan = parser.plan(text, Recall())
    film = by_title(catalog, "Up", 2009)
    (request,) = [c["args"] for c in calls(plan) if c["name"] == "recommend"]
    assert film in request.get("exclude", []) and film not in request.get("like", [])
    assert not any(c["name"] == "record_feedback" for c in calls(plan))


@pytest.mark.parametrize("text", [
    "ok that's all for tonight, thanks a lot",
    "I'm done for now, thank you so much!",
    "that's plenty for tonight, thanks so much!",  # what is left of the thanks is a closing, if less surely
    "that will do for today, thanks a bunch!",
])
def test_a_closing_with_thanks_gets_a_word_and_no_list(world, text):
    catalog, parser = world
    plan = parser.plan(text, shown(catalog, "Casablanca", "Fargo"))
    assert not calls(plan) and plan.answer and plan.answer.startswith(("Bye", "Enjoy"))


def test_thanks_before_a_request_is_no_wish(world):
    catalog, parser = world
    (request,) = [c["args"] for c in calls(parser.plan("thank you so much, any more thrillers?", Recall()))]
    assert request["genres"] == ["Thriller"] and "wish" not in request


@pytest.mark.parametrize("text", [
    "I enjoyed Casablanca and Fargo, anything else along those lines?",
    "Loved Heat and Fargo, got more like those?",
])
def test_like_those_after_two_films_named_seeds_both(world, text):
    catalog, parser = world
    plan = parser.plan(text, Recall())
    named = {by_title(catalog, t) for t in ("Casablanca", "Heat", "Fargo") if t in text}
    (request,) = [c["args"] for c in calls(plan) if c["name"] == "recommend"]
    assert set(request["like"]) == named


@pytest.mark.parametrize("text", ["something creepy, just not a slasher", "a scary one please, no slasher films"])
def test_a_negated_kind_of_the_genre_asked_for_narrows_it_and_does_not_end_it(world, text):
    catalog, parser = world
    (request,) = [c["args"] for c in calls(parser.plan(text, Recall()))]
    assert request.get("genres") == ["Horror"] and "Horror" not in request.get("exclude_genres", [])


def test_a_genre_negated_by_its_own_name_is_still_ruled_out(world):
    catalog, parser = world
    (request,) = [c["args"] for c in calls(parser.plan("something scary, but not horror", Recall()))]
    assert "Horror" in request["exclude_genres"] and "Horror" not in request.get("genres", [])


@pytest.mark.parametrize("text, director", [
    ("what did Hayao Miyazaki direct?", "Hayao Miyazaki"),
    ("which films has Kubrick directed?", "Stanley Kubrick"),
])
def test_asking_what_a_director_made_asks_for_their_films(demo_world, text, director):
    catalog, parser = demo_world
    (request,) = [c for c in calls(parser.plan(text, Recall()))]
    assert request["name"] == "recommend" and "wish" not in request["args"]
    assert request["args"]["attributes"] == [{"field": "director", "values": [director], "negate": False}]


@pytest.mark.parametrize("text", ["is Casablanca sad?", "was Heat too long?"])
def test_a_question_the_record_cannot_answer_claims_nothing(world, text):
    catalog, parser = world
    assert not any(c["name"] == "item_details" and c["args"].get("check") for c in calls(parser.plan(text, Recall())))


@pytest.mark.parametrize("text", ["what's a movie about aliens?", "what is a film about fargo?"])
def test_asking_for_a_movie_about_a_word_asks_about_no_film(demo_world, text):
    catalog, parser = demo_world
    plan = parser.plan(text, Recall())
    assert plan.confirm is None and not any(c["name"] == "item_details" for c in calls(plan))


def test_a_capitalised_name_asked_for_is_not_kept_out(demo_world):
    catalog, parser = demo_world
    for text in ("Is there a Dracula film from the 30s?", "a Frankenstein movie please"):
        plan = parser.plan(text, Recall())
        assert not any(set(c["args"].get("exclude", [])) & {"dracula-1931", "frankenstein-1931"} for c in calls(plan)), text


def test_a_reactions_question_about_it_is_not_taken_as_another_films(world):
    catalog, parser = world
    plan = parser.plan("I've seen the first, the second looks fun, who directed it?", shown(catalog, "Casablanca", "Fargo", "Heat"))
    asked = [c["args"]["item"] for c in calls(plan) if c["name"] == "item_details"]
    assert asked in ([], [by_title(catalog, "Fargo")])


@pytest.mark.parametrize("text", [
    "I loved Heat and Fargo, anything similar?",
    "we really enjoyed Casablanca and Heat. got anything similar?",
])
def test_anything_similar_after_several_films_liked_seeds_them_all(world, text):
    catalog, parser = world
    named = {by_title(catalog, t) for t in ("Casablanca", "Heat", "Fargo") if t in text}
    (request,) = [c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend"]
    assert set(request["like"]) == named and not set(request.get("exclude", [])) & named


@pytest.mark.parametrize("text", ["we adored Heat and Up, any others like them?", "I liked Fargo and Up, more please"])
def test_an_unsure_title_listed_beside_a_sure_one_is_asked_about_after_the_answer(world, text):
    catalog, parser = world
    up = by_title(catalog, "Up")
    plan = parser.plan(text, Recall())
    # Not acted on: no like written, no seed; only kept out of the picks, and asked about.
    assert up not in {c["args"].get("item") for c in calls(plan)}
    (request,) = [c["args"] for c in calls(plan) if c["name"] == "recommend"]
    assert up not in request["like"] and up in request.get("exclude", [])
    assert plan.confirm["item"] == up and "also mean" in plan.confirm["also"]
    # "yes" re-reads the message with Up confirmed: liked and a seed.
    again = parser.plan("yes", Recall(pending=plan.confirm))
    assert {"item": up, "kind": "liked"} in [c["args"] for c in calls(again)]
    (request,) = [c["args"] for c in calls(again) if c["name"] == "recommend"]
    assert up in request["like"]


@pytest.mark.parametrize("text", ["I've seen all the Alien films, anything else scary in space?",
                                  "seen all the Toy Story movies already, more animation?"])
def test_seen_a_whole_series_is_kept_out_and_the_rest_answered(world, text):
    catalog, parser = world
    plan = parser.plan(text, Recall())
    assert plan.answer is None
    (request,) = [c["args"] for c in calls(plan) if c["name"] == "recommend"]
    series = by_title(catalog, "Alien" if "Alien" in text else "Toy Story")
    assert request.get("genres") and series in request.get("exclude", []) and series not in request.get("like", [])


@pytest.mark.parametrize("reply", ["yes, something newer?", "Sure, I've seen the second one", "yeah any funnier ones?"])
def test_a_yes_that_goes_on_is_no_answer_to_a_question_put_after_a_list(world, reply):
    catalog, parser = world
    up = by_title(catalog, "Up")
    asked = parser.plan("we adored Heat and Up, any others like them?", Recall())
    assert asked.confirm["item"] == up
    plan = parser.plan(reply, replace(shown(catalog, "Casablanca", "Fargo"), pending=asked.confirm))
    assert up not in linked_ids(plan)  # read as written, about the list: no like for Up
    assert plan.steps()
    confirmed = parser.plan("yep, that one", Recall(pending=asked.confirm))
    assert {"item": up, "kind": "liked"} in [c["args"] for c in calls(confirmed)]


@pytest.mark.parametrize("text", ["I've seen Casablanca and I loved Fargo, anything similar?",
                                  "saw Heat last week and really liked Fargo, something similar?"])
def test_anything_similar_seeds_only_the_films_said_to_be_liked(world, text):
    catalog, parser = world
    plan = parser.plan(text, Recall())
    (request,) = [c["args"] for c in calls(plan) if c["name"] == "recommend"]
    assert request["like"] == [by_title(catalog, "Fargo")]


@pytest.mark.parametrize("text", ["something else for comedy fans", "got other stuff for sci-fi lovers?"])
def test_something_else_in_another_genre_is_a_request_of_its_own(world, text):
    catalog, parser = world
    memory = replace(shown(catalog, "Alien", "Heat"), last_recommend={"genres": ["Horror"], "k": 5})
    (request,) = [c["args"] for c in calls(parser.plan(text, memory))]
    assert request["genres"] == (["Comedy"] if "comedy" in text else ["Sci-Fi"])


@pytest.mark.parametrize("text, genre", [("I loved Heat, more crime stuff please", "Crime"),
                                         ("Really enjoyed Alien. Any other sci-fi films?", "Sci-Fi")])
def test_more_of_a_kind_after_a_liked_film_seeds_it(world, text, genre):
    catalog, parser = world
    film = by_title(catalog, "Heat" if "Heat" in text else "Alien")
    (request,) = [c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend"]
    assert request["like"] == [film] and request["genres"] == [genre]


@pytest.mark.parametrize("text", ["I hated Heat, something more fun please", "saw Heat, more comedies please",
                                  "I loved Heat, something other than crime"])
def test_more_after_a_film_not_liked_seeds_nothing(world, text):
    catalog, parser = world
    (request,) = [c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend"]
    assert not request.get("like")


@pytest.mark.parametrize("text", ["i've seen all the alien movies, something else?", "seen all the toy story films, what now?",
                                  "I've seen most of the horror films from the 80s, got anything else?"])
def test_a_series_or_kind_seen_in_lower_case_is_no_question(world, text):
    catalog, parser = world
    plan = parser.plan(text, Recall())
    assert plan.answer is None and not [c for c in calls(plan) if c["name"] == "record_feedback"]
    (request,) = [c["args"] for c in calls(plan) if c["name"] == "recommend"]
    if "alien" in text or "toy story" in text:
        series = by_title(catalog, "Alien" if "alien" in text else "Toy Story")
        assert series in request.get("exclude", []) and series not in request.get("like", [])


@pytest.mark.parametrize("text", ["hey! what can you do?", "Hello, how does this work?"])
def test_help_after_a_greeting_is_the_help(world, text):
    _, parser = world
    plan = parser.plan(text, Recall())
    assert not calls(plan) and plan.answer == parser.replies.help


@pytest.mark.parametrize("text, film, genre", [
    ("My all-time favourite is Casablanca, I adore romantic films", "Casablanca", "Romance"),
    ("My favourite movie is Heat, I like crime films in general", "Heat", "Crime"),
])
def test_a_film_named_beside_a_genre_taste_is_recorded_and_the_taste_answered(world, text, film, genre):
    catalog, parser = world
    plan = parser.plan(text, Recall())
    assert {"item": by_title(catalog, film), "kind": "liked"} in [c["args"] for c in calls(plan)]
    (request,) = [c["args"] for c in calls(plan) if c["name"] == "recommend"]
    assert genre in request["genres"]


@pytest.mark.parametrize("text, genre", [("I love comedies, but I hated Fargo", "Comedy"),
                                         ("I really hated Heat. I do like westerns though", "Western")])
def test_a_dislike_beside_a_genre_taste_still_gets_picks(world, text, genre):
    catalog, parser = world
    film = by_title(catalog, "Fargo" if "Fargo" in text else "Heat")
    plan = parser.plan(text, Recall())
    assert {"item": film, "kind": "disliked"} in [c["args"] for c in calls(plan)]
    (request,) = [c["args"] for c in calls(plan) if c["name"] == "recommend"]
    assert request["genres"] == [genre] and film in request.get("exclude", [])


@pytest.mark.parametrize("text, position, field", [("ooh the third looks great, who's in it?", 3, "cast"),
                                                   ("the first one sounds cool, is it funny?", 1, None)])
def test_a_question_about_it_after_a_comma_asks_about_the_pick_named(world, text, position, field):
    catalog, parser = world
    titles = ("Casablanca", "Fargo", "Heat")
    (call,) = calls(parser.plan(text, shown(catalog, *titles)))
    assert call["name"] == "item_details" and call["args"]["item"] == by_title(catalog, titles[position - 1])
    assert field in call["args"].get("fields", []) if field else call["args"].get("check") == "Comedy"


@pytest.mark.parametrize("text", ["a thriller, nothing too gory", "no gore please, just a good mystery"])
def test_gore_ruled_out_rules_out_horror(world, text):
    _, parser = world
    (request,) = [c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend"]
    assert request["exclude_genres"] == ["Horror"] and request["genres"] in (["Thriller"], ["Mystery"])


@pytest.mark.parametrize("text, kind", [("I finally saw Casablanca, which I thought was pretty decent", "liked"),
                                        ("watched Heat last week, it was really fun", "liked"),
                                        ("I saw Fargo, it wasn't good at all", "disliked")])
def test_mild_praise_said_of_a_film_watched_is_a_verdict(world, text, kind):
    catalog, parser = world
    film = by_title(catalog, next(t for t in ("Casablanca", "Heat", "Fargo") if t in text))
    assert {"item": film, "kind": kind} in [c["args"] for c in calls(parser.plan(text, Recall()))]


@pytest.mark.parametrize("text", ["I saw a good comedy last night, Casablanca", "my wife thought Heat was good"])
def test_good_before_a_noun_or_in_someone_elses_mouth_likes_nothing(world, text):
    catalog, parser = world
    assert "liked" not in [c["args"].get("kind") for c in calls(parser.plan(text, Recall())) if c["name"] == "record_feedback"]


@pytest.mark.parametrize("text, meant", [("I loved Ghost Busters, anything similar?", True), ("we really enjoyed Ghost Busters", True),
                                         ("we busted a ghost busters costume out for halloween, something spooky?", False),
                                         ("hung out with some ghost busters fans, got a comedy?", False)])
def test_a_one_word_title_written_as_two_is_the_title_where_it_is_meant(world, text, meant):
    catalog, parser = world
    recorded = [c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "record_feedback"]
    assert recorded == ([{"item": by_title(catalog, "Ghostbusters"), "kind": "liked"}] if meant else [])


@pytest.mark.parametrize("text", ["Something like Heat, is that possible?", "anything like Fargo, is that doable?"])
def test_a_request_with_a_question_tagged_on_stays_a_request(world, text):
    catalog, parser = world
    film = by_title(catalog, "Heat" if "Heat" in text else "Fargo")
    (call,) = calls(parser.plan(text, Recall()))
    assert call["name"] == "recommend" and call["args"]["like"] == [film]


@pytest.mark.parametrize("text", ["I loved the first one but hated the second. More like that?",
                                  "liked the 3rd, hated the 1st. anything similar?"])
def test_that_after_feedback_on_picks_is_the_one_not_disliked(world, text):
    catalog, parser = world
    titles = ("Casablanca", "Fargo", "Heat")
    (request,) = [c["args"] for c in calls(parser.plan(text, shown(catalog, *titles))) if c["name"] == "recommend"]
    liked = titles[0] if "loved the first" in text else titles[2]
    assert request["like"] == [by_title(catalog, liked)]


@pytest.mark.parametrize("text, title", [("any alien movies from the 70s?", "Alien"), ("what are some good heat films", "Heat")])
def test_a_kind_asked_for_keeps_its_namesake(world, text, title):
    catalog, parser = world
    (request,) = [c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend"]
    assert by_title(catalog, title) not in request.get("exclude", [])


@pytest.mark.parametrize("text", ["I loved Heat, but now something totally different, more comedy",
                                  "Fargo was great but I'd rather have other stuff, like a romance"])
def test_more_after_a_turn_from_the_film_seeds_nothing(world, text):
    _, parser = world
    (request,) = [c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend"]
    assert not request.get("like")


@pytest.mark.parametrize("text", ["everyone says Fargo is brilliant, I like thrillers though", "I heard Heat was good, any dramas?"])
def test_what_others_say_of_a_film_is_not_recorded(world, text):
    _, parser = world
    assert not [c for c in calls(parser.plan(text, Recall())) if c["name"] == "record_feedback"]


def test_seen_it_and_a_kind_records_it_and_answers_the_rest(world):
    catalog, parser = world
    heat = by_title(catalog, "Heat")
    memory = replace(shown(catalog, "Heat"), last_recommend={"genres": ["Crime"], "k": 1})
    plan = parser.plan("I've seen it and all the other crime movies from the 90s", memory)
    assert {"item": heat, "kind": "seen"} in [c["args"] for c in calls(plan)]
    assert [c for c in calls(plan) if c["name"] == "recommend"]


@pytest.mark.parametrize("text", ["got any biopics?", "a good old weepie"])
def test_a_narrower_kind_is_its_genre_and_the_wish(world, text):
    _, parser = world
    (request,) = [c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend"]
    assert request["genres"] == ["Drama"] and request.get("wish")


@pytest.mark.parametrize("text", ["I love thrillers, is Heat any good?", "I'm into crime films, Fargo is on my list",
                                  "I like westerns, Heat was way too long", "we love comedies, what's Casablanca about?"])
def test_a_genre_taste_is_not_carried_onto_a_film_the_next_clause_says_something_else_of(world, text):
    _, parser = world
    assert not [c for c in calls(parser.plan(text, Recall())) if c["name"] == "record_feedback" and c["args"]["kind"] == "liked"]


@pytest.mark.parametrize("text, films", [("I loved Heat, Fargo and Casablanca too", ("Heat", "Fargo", "Casablanca")),
                                         ("I really liked Heat (1995), same with Fargo (1996)", ("Heat", "Fargo"))])
def test_films_listed_after_a_liking_share_it(world, text, films):
    catalog, parser = world
    liked = {c["args"]["item"] for c in calls(parser.plan(text, Recall())) if c["args"].get("kind") == "liked"}
    assert liked == {by_title(catalog, f) for f in films}


@pytest.mark.parametrize("text, film", [("I love thrillers, is Heat any good?", "Heat"), ("big comedy fan here, what's Fargo about?", "Fargo")])
def test_a_question_about_a_film_after_a_comma_is_answered(world, text, film):
    catalog, parser = world
    asked = [c["args"]["item"] for c in calls(parser.plan(text, Recall())) if c["name"] in ("item_details", "explain")]
    assert asked and set(asked) == {by_title(catalog, film)}


@pytest.mark.parametrize("text, kind", [("I loved Heat, Fargo, Casablanca lol", "liked"), ("I liked Heat, Fargo too tbh", "liked"),
                                        ("hated Heat, Fargo too honestly", "disliked"),
                                        ("I loved Heat, Fargo, and of course Casablanca", "liked")])
def test_a_verdict_carries_down_a_list_through_filler_words(world, text, kind):
    catalog, parser = world
    films = {by_title(catalog, t) for t in ("Heat", "Fargo", "Casablanca") if t in text}
    said = {c["args"]["item"]: c["args"]["kind"] for c in calls(parser.plan(text, Recall())) if c["name"] == "record_feedback"}
    assert said == {f: kind for f in films}


@pytest.mark.parametrize("text", ["watched Fargo last night, was really good", "saw Heat yesterday, was pretty decent"])
def test_a_verdict_with_no_subject_is_no_question(world, text):
    catalog, parser = world
    film = by_title(catalog, "Fargo" if "Fargo" in text else "Heat")
    assert {"item": film, "kind": "liked"} in [c["args"] for c in calls(parser.plan(text, Recall()))]


@pytest.mark.parametrize("text", ["I loved Heat and Fargo, anything like that?", "we enjoyed Casablanca and Heat, more like that please"])
def test_like_that_after_two_films_liked_seeds_both(world, text):
    catalog, parser = world
    films = [by_title(catalog, t) for t in ("Heat", "Fargo", "Casablanca") if t in text]
    (request,) = [c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend"]
    assert sorted(request["like"]) == sorted(films)


@pytest.mark.parametrize("text", ["loved Fargo, who directed Fargo?", "I really liked Heat, what year is Heat from?"])
def test_a_film_named_twice_is_recorded_once(world, text):
    catalog, parser = world
    film = by_title(catalog, "Fargo" if "Fargo" in text else "Heat")
    recorded = [c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "record_feedback"]
    assert recorded == [{"item": film, "kind": "liked"}]


@pytest.mark.parametrize("text, kind", [("Have you seen Heat? I thought it was brilliant", "liked"),
                                        ("Do you know Fargo? I loved it", "liked"),
                                        ("Have you seen Heat? It's great", "liked"),
                                        ("Have you seen Fargo? I think it's boring. Something else?", "disliked"),
                                        ("I saw Heat. It was brilliant", "liked")])
def test_it_in_a_later_sentence_is_the_film_an_earlier_one_named(world, text, kind):
    catalog, parser = world
    film = by_title(catalog, "Fargo" if "Fargo" in text else "Heat")
    plan = parser.plan(text, Recall())
    assert feedback_of(plan) == {film: kind}, calls(plan)  # once, as they judged it: not "seen" besides
    (request,) = [c["args"] for c in calls(plan) if c["name"] == "recommend"]
    assert kind == "liked" or film in request["exclude"]


@pytest.mark.parametrize("text, said", [
    # "it" is the film the sentence before named, not the message's last one.
    ("Have you seen Fargo? I think it's boring. Something like Heat?", {"Fargo": "disliked"}),
    ("Have you seen Heat? I thought it was brilliant. Something like Fargo?", {"Heat": "liked"}),
    # Praise of something else, and what they only heard of a film they have not seen, rate nothing.
    ("I haven't seen Heat. I think it's great that you can help", {}),
    ("I've never seen Heat. I think it's good to try new things. Something exciting?", {}),
    ("I haven't seen Fargo. I think it's good", {}),
    ("What's Heat about? I think it's great that you know so much", {}),
    # A film they disliked seeds nothing.
    ("I watched Fargo. It's great. And Casablanca. It's boring.", {"Fargo": "liked", "Casablanca": "disliked"}),
])
def test_what_a_later_sentence_says_of_it(world, text, said):
    catalog, parser = world
    plan = parser.plan(text, Recall())
    assert feedback_of(plan) == {by_title(catalog, t): kind for t, kind in said.items()}, calls(plan)
    disliked = {by_title(catalog, t) for t, kind in said.items() if kind == "disliked"}
    assert not any(disliked & set(c["args"].get("like", [])) for c in calls(plan) if c["name"] == "recommend")


@pytest.mark.parametrize("text", ["that's great", "I guess that's great", "this is great, thanks", "I think it's great that you help",
                                  "it's good to know", "I guess it's good enough"])
def test_praise_of_the_answer_is_no_verdict_on_the_film(world, text):
    catalog, parser = world
    memory = replace(Recall(), last_item={"id": by_title(catalog, "Heat"), "title": "Heat"})
    assert not feedback_of(parser.plan(text, memory))


def test_it_after_a_film_named_unsurely_is_neither_that_film_nor_an_older_one(big_world):
    catalog, parser = big_world
    # On the big catalog "Heat" opening a sentence is only asked about (an everyday word).
    plan = parser.plan("I watched Fargo. It's great. And Heat. It's boring.", Recall())
    assert feedback_of(plan) == {by_title(catalog, "Fargo"): "liked"}, calls(plan)


# Unsure titles in lower case (mention_model.json's lower-case weights: "i hated the matrix", "we
# watched heat last night" are sure there, as people in chat mean them).
@pytest.mark.parametrize("text, title, kind", [
    ("frozen bored me, way too slow. something with more action?", "Frozen", "disliked"),
    ("we watched frozen last night, any good comedies?", "Frozen", "seen"),
    ("frozen bored me. any good comedies?", "Frozen", "disliked")])
def test_an_unsure_title_given_a_verdict_is_asked_about_after_the_answer(world, text, title, kind):
    catalog, parser = world
    film = by_title(catalog, title)
    plan = parser.plan(text, Recall())
    assert not feedback_of(plan)  # never written from an unsure link
    (request,) = [c["args"] for c in calls(plan) if c["name"] == "recommend"]
    assert request.get("genres") and film in request.get("exclude", [])  # the request is answered, the film kept out
    assert plan.confirm["item"] == film and "also mean" in plan.confirm["also"]
    again = parser.plan("yes", Recall(pending=plan.confirm))
    assert feedback_of(again) == {film: kind}


@pytest.mark.parametrize("text", ["watched frozen and loved it, anything similar?", "watched frozen and loved it",
                                  "watched frozen and loved it, anything similar from the 2000s?"])
def test_an_unsure_title_a_request_needs_is_asked_about_first(world, text):
    _, parser = world
    plan = parser.plan(text, Recall())
    assert not plan.steps() and "Do you mean *Frozen*" in plan.answer


@pytest.mark.parametrize("text, asked_after", [("I really loved watching heat, any comedies?", True),
                                               ("I never watched heat, any comedies?", False)])
def test_an_unsure_film_beside_a_request_of_its_own(world, text, asked_after):
    catalog, parser = world
    heat = by_title(catalog, "Heat")
    plan = parser.plan(text, Recall())
    (request,) = [c["args"] for c in calls(plan) if c["name"] == "recommend"]
    assert request.get("genres") == ["Comedy"] and not feedback_of(plan)
    assert (plan.confirm is not None and plan.confirm["item"] == heat) == asked_after  # not dropped; not asked of a denial


def test_no_to_did_you_also_mean_is_no_verdict_on_the_list(world):
    catalog, parser = world
    plan = parser.plan("I really loved watching heat, any comedies?", Recall())
    no = parser.plan("no", Recall(pending=plan.confirm, last_shown=[{"id": by_title(catalog, "Fargo")}]))
    assert not no.steps() and no.answer == "OK, I'll leave it out."


def test_yes_to_did_you_also_mean_redoes_the_search_it_went_on_from(world):
    catalog, parser = world
    memory = Recall(last_recommend={"genres": ["Comedy"], "k": 5})
    plan = parser.plan("we watched frozen last night, something from the 90s instead?", memory)
    (request,) = [c["args"] for c in calls(plan) if c["name"] == "recommend"]
    assert request["genres"] == ["Comedy"] and request["year_from"] == 1990
    again = parser.plan("yes", replace(memory, pending=plan.confirm))
    assert feedback_of(again) == {by_title(catalog, "Frozen"): "seen"}
    (request,) = [c["args"] for c in calls(again) if c["name"] == "recommend"]
    assert request["genres"] == ["Comedy"] and request["year_from"] == 1990


def test_a_title_inside_a_name_the_catalog_knows_is_not_asked_about(demo_world):
    _, parser = demo_world
    plan = parser.plan("I like M. Night Shyamalan, any thrillers?", Recall())
    assert plan.confirm is None and plan.answer is None
    (request,) = [c["args"] for c in calls(plan) if c["name"] == "recommend"]
    assert request["attributes"][0]["values"] == ["M. Night Shyamalan"]


@pytest.mark.parametrize("text", ["i like scary stuff where the heat is on, any thrillers?",
                                  "I like thrillers where you feel the heat. Any from the 90s?",
                                  "I like stories where the heat is on. Any thrillers from the 90s?"])
def test_a_title_word_inside_what_a_taste_says_is_not_asked_about(world, text):
    _, parser = world
    plan = parser.plan(text, Recall())  # the verdict is of the genre, not of *Heat*
    assert plan.confirm is None and plan.answer is None and [c for c in calls(plan) if c["name"] == "recommend"]


@pytest.mark.parametrize("text", ["meh, seen em all", "seen em all tbh", "thx, seen em all"])
def test_chat_shorthand_is_read_as_the_words_it_stands_for(world, text):
    catalog, parser = world
    memory = shown(catalog, "Casablanca", "Heat")
    assert feedback_of(parser.plan(text, memory)) == {by_title(catalog, "Casablanca"): "seen", by_title(catalog, "Heat"): "seen"}


@pytest.mark.parametrize("text, searched", [("no horror, no musicals, no cartoons. what's left? 😂", None),
                                            ("what's left?", None), ("what's Hot Fuzz?", "hot fuzz"),
                                            ("what is zorblax?", "zorblax")])
def test_what_is_asks_of_a_title_only_where_the_words_could_be_one(world, text, searched):
    _, parser = world
    plan = parser.plan(text, Recall())
    assert [c["args"]["query"] for c in calls(plan) if c["name"] == "search_catalog"] == ([searched] if searched else [])
    if "horror" in text:
        (request,) = [c["args"] for c in calls(plan) if c["name"] == "recommend"]
        assert {"Horror", "Musical", "Animation"} <= set(request["exclude_genres"])


def test_shorthand_inside_a_title_stays_as_written(embedder):
    demo = load_catalog(settings_from_dict({}, environ={}).catalog)
    catalog = Catalog.from_items([*demo.items.values(), Item(id="shoot-em-up", title="Shoot 'Em Up", year=2007, genres=("Action",)),
                                  Item(id="thx", title="THX 1138", year=1971, genres=("Sci-Fi",)),
                                  Item(id="u571", title="U-571", year=2000, genres=("War",))])
    parser = OfflinePlanner.for_catalog(catalog, encode=embedder.encode).parser
    for text, film in (("i loved shoot em up", "shoot-em-up"), ("i loved thx 1138", "thx"), ("i liked u-571", "u571")):
        plan = parser.plan(text, Recall())  # linked, or in lower case asked about: the title read as written
        assert feedback_of(plan) == {film: "liked"} or (plan.confirm or {}).get("item") == film, (text, plan)
    # Standing alone it is written out: "seen em all" after a list records each film.
    memory = shown(catalog, "Casablanca", "Heat")
    assert feedback_of(parser.plan("meh, seen em all", memory)) == {by_title(catalog, "Casablanca"): "seen",
                                                                    by_title(catalog, "Heat"): "seen"}


@pytest.mark.parametrize("text", ["what's inside out about?", "what is the thing about?"])
def test_what_is_a_title_in_lower_case_still_asks_of_it(demo_world, text):
    _, parser = demo_world
    assert not [c for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend"]


def test_a_film_said_to_be_great_too_unsurely_to_ask_about_is_kept_out_of_the_picks(demo_world):
    catalog, parser = demo_world
    # "soul" in lower case scores under the question threshold, yet "was amazing" after it says a
    # film may be meant: it costs little to leave *Soul* out of the animated picks.
    plan = parser.plan("soul was amazing, more animation please", Recall())
    (request,) = [c["args"] for c in calls(plan) if c["name"] == "recommend"]
    assert request["genres"] == ["Animation"] and by_title(catalog, "Soul") in request.get("exclude", [])
    assert not feedback_of(plan)


def test_a_verdict_on_an_unsure_film_beside_a_genre_asked_for_is_answered_first(demo_world):
    catalog, parser = demo_world
    moonlight = by_title(catalog, "Glory")
    plan = parser.plan("glory was beautiful, more dramas please", Recall())
    (request,) = [c["args"] for c in calls(plan) if c["name"] == "recommend"]
    assert request["genres"] == ["Drama"] and plan.confirm["item"] == moonlight and not feedback_of(plan)
    assert feedback_of(parser.plan("yes", Recall(pending=plan.confirm))) == {moonlight: "liked"}


@pytest.mark.parametrize("text", ["tell me more about the third", "tell me about the third one"])
def test_tell_me_more_about_a_pick_gives_its_details(world, text):
    catalog, parser = world
    memory = shown(catalog, "Casablanca", "Heat", "Fargo")
    (call,) = calls(parser.plan(text, memory))
    assert call == {"name": "item_details", "args": {"item": by_title(catalog, "Fargo"), "fields": []}}


@pytest.mark.parametrize("text, bound", [("the first one is too old, something newer", "year_from"),
                                         ("the first one is too old", "year_from"), ("the second is a bit too recent", "year_to")])
def test_a_pick_too_old_or_too_recent_moves_the_era_from_it_and_rates_nothing(world, text, bound):
    catalog, parser = world
    cards = [{"id": catalog[i].id, "title": catalog[i].title, "year": catalog[i].year, "genres": list(catalog[i].genres)}
             for i in (by_title(catalog, t) for t in ("Casablanca", "Fargo", "Heat"))]
    memory = Recall(last_shown=cards, shown_ids=[c["id"] for c in cards], last_recommend={"genres": ["Drama"], "k": 5},
                    list_tool="recommend")
    plan = parser.plan(text, memory)
    assert not feedback_of(plan)  # judged by the year on its card, not watched
    (request,) = [c["args"] for c in calls(plan) if c["name"] == "recommend"]
    pointed = catalog[by_title(catalog, "Casablanca" if "first" in text else "Fargo")]
    assert request["k"] == 5 and request[bound] == pointed.year + (1 if bound == "year_from" else -1), request


@pytest.mark.parametrize("text, title, span", [
    ("inceptoin was amazing, anything similar?", "Inception", "inceptoin"),
    ("i watched ghostbustrs yesterday", "Ghostbusters", "ghostbustrs"),
    ("i hated blade runer, too slow", "Blade Runner", "blade runer"),
    ("Inceptoin was amazing", "Inception", "inceptoin"),  # capitalised: the "yes" finds it all the same
    ("i loved blade runners", "Blade Runner", "blade runners"),  # words the language knows; the whole is close
    ('I loved "Inceptoin"', "Inception", "inceptoin"),  # in quotes
])
def test_a_title_misspelt_in_feedback_is_asked_about_not_written_as_typed(world, text, title, span):
    """A typo in a film said to be liked, hated or seen: "Do you mean …?" (a "yes" reads the
    message again with it), not a write of the words as typed, which the tool refused while
    the request beside it went on without the film."""
    catalog, parser = world
    plan = parser.plan(text, Recall())
    assert not calls(plan) and plan.confirm, (plan.answer, calls(plan))
    assert (plan.confirm["item"], plan.confirm["span"].strip('"')) == (by_title(catalog, title), span)
    confirmed = parser.plan("yes", Recall(pending=plan.confirm))
    assert by_title(catalog, title) in feedback_of(confirmed), calls(confirmed)
    # Words close to no title are still looked up as typed, and the tool says it lacks them; and
    # so are words the language knows, however close to a title ("the heater" is no *Heat*).
    assert feedback_of(parser.plan("I loved zorblax", Recall())) == {"zorblax": "liked"}
    for other in ("I hate the heater in this cinema", "I loved Lara Croft", "i saw Dundee yesterday"):
        assert not parser.plan(other, Recall()).confirm, other


@pytest.mark.parametrize("text, wish", [("a heist movie we haven't seen", "a heist movie"),
                                        ("any heist films that aren't too violent?", "heist films"),
                                        ("a heist movie but not too long", "a heist movie")])
def test_the_words_a_clause_qualifies_are_still_the_wish(world, text, wish):
    """"…that we haven't seen" is what every pick is, and "…that aren't too violent" rules
    something out of the films the words before it describe: both dropped the whole clause,
    and with it the tag the catalog has ("heist")."""
    _, parser = world
    args = next(c["args"] for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend")
    assert args.get("wish") == wish, args


def test_a_tag_that_restates_a_genre_is_no_wish(demo_world):
    """The demo's tags hold "mystery": "a mystery" asks for the genre, not for the films
    someone happened to tag "mystery" (which the tag, as a wish, had made a constraint)."""
    catalog, parser = demo_world
    assert "mystery" in catalog.tag_index
    args = next(c["args"] for c in calls(parser.plan("a mystery please", Recall())) if c["name"] == "recommend")
    assert args == {"genres": ["Mystery"], "k": 5}, args


@pytest.mark.parametrize("text, args", [("the best horror films", {"genres": ["Horror"], "k": 5}),
                                        ("best movies of 2015", {"year_from": 2015, "year_to": 2015, "k": 5}),
                                        ("what should I watch next?", {"k": 5})])
def test_praise_and_asking_words_are_no_wish(world, text, args):
    """"best", "next" describe no film: as a wish they found *The Next Best Thing* and *You're
    Next* for "…, what next?" on ml-latest-small."""
    _, parser = world
    (call,) = [c for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend"]
    assert call["args"] == args, call["args"]
    (call,) = [c for c in calls(parser.plan("I've seen all the Toy Story movies, what next?", Recall())) if c["name"] == "recommend"]
    assert "wish" not in call["args"], call["args"]


def test_a_tag_that_only_says_movie_is_no_wish(embedder):
    """Real catalogs' people tag films "movies" or "film": no wish of its own ("best movies of
    2015" was a search for the films tagged "movies")."""
    demo = load_catalog(settings_from_dict({}, environ={}).catalog)
    items = [replace(i, tags=(*i.tags, "movies", "film")) if n < 3 else i for n, i in enumerate(demo.items.values())]
    parser = OfflinePlanner.for_catalog(Catalog.from_items(items, demo.interactions), encode=embedder.encode).parser
    (call,) = [c for c in calls(parser.plan("good movies from 2015", Recall())) if c["name"] == "recommend"]
    assert call["args"] == {"year_from": 2015, "year_to": 2015, "k": 5}, call["args"]


@pytest.mark.parametrize("text, rating", [("I'd give Heat five stars", 5.0), ("rate Heat 4", 4.0), ("Heat deserves a 3/5", 3.0)])
def test_a_rating_names_its_film_and_stars_in_words_or_digits(world, text, rating):
    """"rate Heat 4": the slot holds only a title, so it is meant however everyday its word (it
    was a search for "rate heat 4"); "five stars" is 5."""
    catalog, parser = world
    assert calls(parser.plan(text, Recall())) == [
        {"name": "record_feedback", "args": {"item": by_title(catalog, "Heat"), "kind": "rated", "rating": rating}}]
    assert not calls(parser.plan("rate it 4", Recall()))  # nothing in hand: "Which one should I rate?"


@pytest.mark.parametrize("text, either", [("a western or a war film", ["Western", "War"]),
                                          ("horror or thriller from the 80s", ["Horror", "Thriller"]),
                                          ("any good comedies or dramas?", ["Comedy", "Drama"]),
                                          ("a romantic comedy or a thriller", None)])
def test_genres_joined_by_or_are_either(world, text, either):
    _, parser = world
    (call,) = [c for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend"]
    assert call["args"].get("any_genres") == either, call["args"]
    assert either is None or "genres" not in call["args"], call["args"]


@pytest.fixture(scope="module")
def directed_world(embedder):
    """The 10k catalog with a director on every film, as a real catalog has: a few known ones,
    the rest drawn from a pool of names made of everyday words ("Stone Walker")."""
    catalog = big_catalog()
    known = {"Alien": "Ridley Scott", "Blade Runner": "Ridley Scott", "Heat": "Michael Mann", "Drive": "Michael Mann",
             "Taken": "Michael Mann", "Toy Story": "John Lasseter"}
    rng = random.Random(11)
    words = [w.capitalize() for w in top_n_list("en", 4000) if w.isalpha() and len(w) > 3][300:]
    pool = [f"{rng.choice(words)} {rng.choice(words)}" for _ in range(1500)]
    items = [replace(i, extra={"director": known.get(i.title) or rng.choice(pool)}) for i in catalog.items.values()]
    directed = Catalog.from_items(items, catalog.interactions)
    # As the runtime builds it: a surname that is an ordinary word ("Famous") needs a cue or a capital.
    attributes = AttributeVocabulary(directed, embedder.vocabulary())
    return directed, OfflinePlanner.for_catalog(directed, encode=embedder.encode, attributes=attributes).parser


@pytest.fixture(scope="module", params=["demo", "10k"])
def directed(request, demo_world, directed_world):
    return directed_world if request.param == "10k" else demo_world


@pytest.mark.parametrize("text, title, director, genre", [
    ("got anything else from the director of Blade Runner?", "Blade Runner", "Ridley Scott", None),
    ("more films by whoever made Heat", "Heat", "Michael Mann", None),
    ("a thriller by the same guy that did Heat", "Heat", "Michael Mann", "Thriller"),
    ("something from the people behind Toy Story", "Toy Story", "John Lasseter", None),
    ("what else has Alien's director done?", "Alien", "Ridley Scott", None),
])
def test_a_director_named_by_one_of_their_films(directed, text, title, director, genre):
    """"anything by the guy who made Jaws?" seeded picks like *Jaws* (any director): the role of
    the film named is the condition, the film itself no seed and no pick, its words no wish."""
    catalog, parser = directed
    (call,) = [c for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend"]
    assert call["args"]["attributes"] == [{"field": "director", "values": [director], "negate": False}], call["args"]
    assert call["args"]["exclude"] == [by_title(catalog, title)] and "like" not in call["args"], call["args"]
    assert "wish" not in call["args"] and call["args"].get("genres", [genre]) == [genre], call["args"]


@pytest.mark.parametrize("text", ["a film that made me cry", "in the spirit of Heat", "the rest of the Alien films",
                                  "a comedy that did really well", "something like the one that made Heat famous"])
def test_words_about_a_film_that_name_no_role_set_no_director(directed, text):
    """Review finding: "that made", "that did" after a film in hand had become its director."""
    catalog, parser = directed
    heat = by_title(catalog, "Heat")
    for memory in (Recall(), Recall(last_item={"id": heat, "title": "Heat", "year": 1995, "genres": []})):
        for call in calls(parser.plan(text, memory)):
            assert not any(a["field"] == "director" for a in call["args"].get("attributes", [])), call


@pytest.mark.parametrize("text, director", [("I don't want anything by whoever made Alien", "Ridley Scott"),
                                            ("a thriller, just not from the guy behind Heat", "Michael Mann"),
                                            ("no more films from the director of Blade Runner", "Ridley Scott")])
def test_a_director_ruled_out_by_one_of_their_films(directed, text, director):
    """Review finding: "nothing by the guy who made Jaws" had asked for Spielberg's films."""
    _, parser = directed
    (call,) = [c for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend"]
    assert {"field": "director", "values": [director], "negate": True} in call["args"]["attributes"], call["args"]


def test_what_else_do_you_know_asks_about_the_film(demo_world):
    """Review finding: "what else" had made every such question a request for picks."""
    catalog, parser = demo_world
    fargo = by_title(catalog, "Fargo")
    memory = Recall(last_item={"id": fargo, "title": "Fargo", "year": 1996, "genres": []})
    for text in ("what else can you tell me about it?", "what else do you know about Fargo?"):
        assert [c["name"] for c in calls(parser.plan(text, memory))] == ["item_details"], text


def test_what_else_did_he_direct_is_the_director_of_the_film_in_hand(demo_world):
    catalog, parser = demo_world
    psycho = by_title(catalog, "Psycho")
    memory = Recall(last_item={"id": psycho, "title": "Psycho", "year": 1960, "genres": []})
    for text in ("what else did he direct?", "has he made anything else?"):
        (call,) = calls(parser.plan(text, memory))
        assert call["args"]["attributes"] == [{"field": "director", "values": ["Alfred Hitchcock"], "negate": False}], call


@pytest.mark.parametrize("text, rating", [
    ("Fargo was a 3", 3.0), ("I'd say 5 stars for Fargo", 5.0), ("Fargo: 8/10", 4.0), ("gave Fargo a 9 out of 10", 4.5),
    ("honestly Fargo is a 6", 3.0), ("Fargo gets two stars from me", 2.0)])
def test_a_score_beside_a_title_is_a_rating_on_its_scale(world, text, rating):
    """"Heat was a 4", "4 stars for Heat", "I'd rate Heat 7/10" were asked about or searched;
    a score out of 10 is halved (a bare number over 5 is out of 10)."""
    catalog, parser = world
    assert calls(parser.plan(text, Recall())) == [
        {"name": "record_feedback", "args": {"item": by_title(catalog, "Fargo"), "kind": "rated", "rating": rating}}]


@pytest.mark.parametrize("text", ["my son is 8, what would he like?", "Fargo was a top 10 film of the 90s",
                                  "give me 4 comedies", "Fargo was 3 hours long?", "I gave up on Fargo after 20 minutes",
                                  "Fargo got 4 stars on rotten tomatoes", "Fargo is a top 5 movie for me",
                                  "the music was a 9", "Fargo got 5 stars from the critics, should I watch it?"])
def test_a_number_that_is_no_score_rates_nothing(world, text):
    _, parser = world
    assert not any(c["args"].get("kind") == "rated" for c in calls(parser.plan(text, Recall())))


@pytest.mark.parametrize("text", ["Casablanca is an absolute gem", "Fargo is a real gem"])
def test_a_film_called_a_gem_is_liked(world, text):
    catalog, parser = world
    title = text.split(" is ")[0]
    assert {"name": "record_feedback", "args": {"item": by_title(catalog, title), "kind": "liked"}} in calls(parser.plan(text, Recall()))


def test_someone_elses_watching_is_not_the_speakers(world):
    """"has she seen it?" recorded the film in hand as seen by the speaker."""
    catalog, parser = world
    fargo = by_title(catalog, "Fargo")
    memory = Recall(last_item={"id": fargo, "title": "Fargo", "year": 1996, "genres": []})
    for text in ("has she seen it?", "my kids watched it twice", "my brother saw it last week"):
        plan = parser.plan(text, memory)
        assert not calls(plan) and "what you've watched yourself" in plan.answer, text
    assert calls(parser.plan("we watched it yesterday", memory)) == [
        {"name": "record_feedback", "args": {"item": fargo, "kind": "seen"}}]


def test_either_or_genres_after_a_search_replace_its_genre(world):
    """"comedy or drama?" after war films had asked for war comedies or war dramas; a genre
    that says whom the films are for stays ("for my kids", then "comedy or adventure?")."""
    _, parser = world
    for before, kept in ((["Western"], None), (["Children"], ["Children"])):
        memory = Recall(last_recommend={"genres": before, "k": 5}, list_tool="recommend")
        (call,) = [c for c in calls(parser.plan("horror or sci-fi then?", memory)) if c["name"] == "recommend"]
        assert sorted(call["args"]["any_genres"]) == ["Horror", "Sci-Fi"] and call["args"].get("genres") == kept, call["args"]


@pytest.mark.parametrize("text, either, kept", [
    ("my husband wants a comedy, I'd rather have horror", ["Comedy", "Horror"], None),
    ("I like westerns but my dad prefers war films", ["Western", "War"], None),
    ("my kids are into animation and I like adventure", ["Adventure", "Animation"], ["Children"]),
    ("my son and I love horror", None, ["Horror"]),
    ("they say horror is scary, I want a horror comedy", None, ["Horror", "Comedy"]),
    ("a sci-fi movie for my dad, something with action", None, ["Sci-Fi", "Action"]),
    ("a comedy and a romance please", None, ["Comedy", "Romance"]),
])
def test_peoples_own_wants_are_either_of_them(world, text, either, kept):
    """"my wife wants a romcom, I want action" asked for romantic action comedies (none): each
    person's kind is one of the options; whom the films are for ("my kids") stays a must."""
    _, parser = world
    (call,) = [c for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend"]
    assert sorted(call["args"].get("any_genres") or []) == sorted(either or []), call["args"]
    assert sorted(call["args"].get("genres") or []) == sorted(kept or []), call["args"]


@pytest.mark.parametrize("text, ruled_out", [("a cartoon for adults", True), ("something like Home Alone but for adults", True),
                                             ("a mature comedy", True), ("no adult content please, a comedy", False),
                                             ("as an adult I still love animated movies", False),
                                             ("a young adult romance", False), ("nothing too dark, an adventure", False)])
def test_films_for_adults_are_no_childrens_films(world, text, ruled_out):
    """A mood negated rules nothing out (review finding: "no adult content" ruled out children's films)."""
    _, parser = world
    (call,) = [c for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend"]
    assert ("Children" in call["args"].get("exclude_genres", [])) == ruled_out, call["args"]


@pytest.mark.parametrize("text, title, year", [
    ("I loved the second Paddington", "Paddington 2", 2017), ("the first Paddington was sweet too", "Paddington", 2014),
    ("something like the second Ghostbusters", "Ghostbusters II", 1989),
    ("the newest Mission: Impossible was great", "Mission: Impossible - Fallout", 2018)])
def test_an_ordinal_before_a_series_title_is_that_film_of_it(big_world, text, title, year):
    """"I liked the second Godfather more than the first" liked *The Godfather*."""
    catalog, parser = big_world
    assert by_title(catalog, title, year) in linked_ids(parser.plan(text, Recall())), text


def test_an_ordinal_sequel_number_where_the_catalog_lacks_the_ones_between(demo_world):
    catalog, parser = demo_world
    assert linked_ids(parser.plan("something like the third Toy Story", Recall())) == {by_title(catalog, "Toy Story 3")}
    assert linked_ids(parser.plan("I liked the second Godfather", Recall())) == {by_title(catalog, "The Godfather Part II")}
    # A title that only begins with the series' name is no film of it (review finding: *The Rocky
    # Horror Picture Show*, 1975, was "the original Rocky"); a numbered series without the number
    # asked for is left as written.
    assert linked_ids(parser.plan("I loved the original Rocky", Recall())) == {by_title(catalog, "Rocky")}
    assert linked_ids(parser.plan("something like the second Toy Story", Recall())) == {by_title(catalog, "Toy Story")}
    # A position in a list shown is still a position.
    memory = shown(catalog, "Heat", "Fargo")
    assert linked_ids(parser.plan("the second one was great", memory)) == {by_title(catalog, "Fargo")}


def test_a_search_refined_turn_by_turn_keeps_its_era_while_its_kind_stays(world):
    """"a crime film", "from the 90s", "with a heist" had dropped the 90s."""
    _, parser = world
    memory = Recall(last_recommend={"genres": ["Crime"], "year_from": 1990, "year_to": 1999, "k": 5}, list_tool="recommend")
    for text in ("one with a twist ending", "something darker", "another crime one", "give me 3 crime films"):
        (call,) = [c for c in calls(parser.plan(text, memory)) if c["name"] == "recommend"]
        assert (call["args"].get("year_from"), call["args"].get("year_to")) == (1990, 1999), (text, call["args"])
    for text in ("a western instead", "the best crime films ever", "a crime movie, any decade", "something completely different"):
        (call,) = [c for c in calls(parser.plan(text, memory)) if c["name"] == "recommend"]
        assert "year_from" not in call["args"], (text, call["args"])


def test_something_completely_different_turns_from_the_search(world):
    catalog, parser = world
    memory = replace(shown(catalog, "Heat", "Fargo"), last_recommend={"genres": ["Crime"], "k": 5})
    for text in ("something totally different", "ok, something different for a change"):
        (call,) = [c for c in calls(parser.plan(text, memory)) if c["name"] == "recommend"]
        assert call["args"].get("exclude_genres") == ["Crime"] and "genres" not in call["args"], (text, call["args"])
    # Review finding: "rather" as "quite", and a turn with words of its own, keep the search.
    for text in ("something rather slow and moody", "I'd rather have one with a twist ending"):
        (call,) = [c for c in calls(parser.plan(text, memory)) if c["name"] == "recommend"]
        assert "Crime" not in call["args"].get("exclude_genres", []) and call["args"].get("wish"), (text, call["args"])


def test_too_many_with_a_number_is_that_many(world):
    _, parser = world
    memory = Recall(last_recommend={"genres": ["Crime"], "k": 10}, list_tool="recommend")
    (call,) = calls(parser.plan("too many, just three please", memory))
    assert call["args"]["k"] == 3 and call["args"]["genres"] == ["Crime"], call["args"]  # not halved
    (call,) = calls(parser.plan("too many, I only have one evening", memory))
    assert call["args"]["k"] == 2, call["args"]  # no count said: the list halved (review finding: it had given 5)


def test_more_like_that_after_a_list_is_like_the_list(world):
    """"more like that, but funnier" after a list asked "Like which one?"."""
    catalog, parser = world
    memory = replace(shown(catalog, "Heat", "Fargo"), last_recommend={"genres": ["Crime"], "k": 5})
    (call,) = [c for c in calls(parser.plan("more like that please", memory)) if c["name"] == "recommend"]
    assert set(call["args"]["like"]) == {by_title(catalog, "Heat"), by_title(catalog, "Fargo")}, call["args"]
    (call,) = [c for c in calls(parser.plan("more like this one please", memory)) if c["name"] == "recommend"]
    assert len(call["args"]["like"]) == 1, call["args"]  # one film pointed at, not the list


def test_an_impression_of_picks_by_position_is_acknowledged_and_records_nothing(world):
    """"the first two sound good" searched for the words "the first two sound good"; "the second
    and third look great" liked the second ("look" was no impression word, "looks" was)."""
    catalog, parser = world
    memory = replace(shown(catalog, "Heat", "Fargo", "Alien"), last_recommend={"genres": ["Thriller"], "k": 3})
    for text in ("the first two sound good", "the second and third look great", "ooh the third one sounds fun",
                 "the last one looks fun"):
        plan = parser.plan(text, memory)
        assert not calls(plan) and plan.answer.startswith("Enjoy!"), (text, calls(plan))
    # Review finding: an impression with more said is read for what else it says.
    for text in ("the third looks ok i guess, but newer please", "the first one sounds good, who directed it",
                 "the second seems too dark"):
        assert calls(parser.plan(text, memory)), text


@pytest.mark.parametrize("text, years", [("I don't watch anything older than 2000", (2000, None)),
                                         ("we never watch films made after 1990", (None, 1990)),
                                         ("I don't know many films older than 1980, recommend some", (None, 1979))])
def test_a_bound_on_the_era_negated_further_off_turns_round(world, text, years):
    _, parser = world
    (call,) = [c for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend"]
    assert (call["args"].get("year_from"), call["args"].get("year_to")) == years, call["args"]


def test_how_long_asks_for_a_runtime_the_catalog_may_lack(world):
    catalog, parser = world
    fargo = by_title(catalog, "Fargo")
    assert calls(parser.plan("how long is Fargo?", Recall())) == [
        {"name": "item_details", "args": {"item": fargo, "fields": ["runtime"]}}]
    assert calls(parser.plan("how long ago did Fargo come out?", Recall())) == [
        {"name": "item_details", "args": {"item": fargo, "fields": ["year"]}}]


def test_another_of_the_same_kind_goes_past_what_was_shown(world):
    """"another crime one" mid-search showed the same picks again."""
    catalog, parser = world
    memory = replace(shown(catalog, "Heat", "Fargo"), last_recommend={"genres": ["Crime"], "k": 2})
    (call,) = [c for c in calls(parser.plan("another crime one", memory)) if c["name"] == "recommend"]
    assert {by_title(catalog, "Heat"), by_title(catalog, "Fargo")} <= set(call["args"].get("exclude", [])), call["args"]
    assert call["args"]["genres"] == ["Crime"], call["args"]


@pytest.mark.parametrize("text, args", [
    ("a western I might not have seen", {"genres": ["Western"]}),
    ("any comedies we may have missed?", {"genres": ["Comedy"]}),
    ("a thriller I probably haven't watched yet", {"genres": ["Thriller"]}),
    ("something you think I could not have seen", {}),
])
def test_what_they_may_not_have_seen_describes_every_pick(world, text, args):
    """"a Spielberg movie I might not have seen" asked "Which one have you seen?" (a seen cue,
    its negation a modal away), and "…I may have missed" became words to search for."""
    _, parser = world
    (call,) = calls(parser.plan(text, Recall()))
    assert call["name"] == "recommend" and "wish" not in call["args"], call
    assert {k: call["args"][k] for k in args} == args and "like" not in call["args"], call


def test_another_one_asks_for_one(world):
    """"another one please" after a list gave five."""
    catalog, parser = world
    memory = replace(shown(catalog, "Heat", "Fargo"), last_recommend={"genres": ["Crime"], "k": 2})
    for text in ("another one please", "could I get another one?", "another crime one"):
        (call,) = [c for c in calls(parser.plan(text, memory)) if c["name"] == "recommend"]
        assert call["args"]["k"] == 1, (text, call["args"])
    (call,) = [c for c in calls(parser.plan("another three please", memory)) if c["name"] == "recommend"]
    assert call["args"]["k"] == 3, call["args"]
    # Review finding: a duration is no count.
    assert all(c["args"].get("k") != 3 for c in calls(parser.plan("another three hour epic like that?", memory)))


def test_the_others_after_a_list_are_the_picks_not_spoken_of(world):
    """"rate the others 2" rated the film *The Others* on a real catalog; "rate them all 4"
    searched for its words."""
    catalog, parser = world
    memory = shown(catalog, "Heat", "Fargo", "Alien")
    ids = [c["id"] for c in memory.last_shown]

    def feedback(text, memory):
        return [(c["args"]["item"], c["args"]["kind"], c["args"].get("rating")) for c in calls(parser.plan(text, memory))
                if c["name"] == "record_feedback"]

    assert feedback("rate them all 4", memory) == [(i, "rated", 4.0) for i in ids]
    assert feedback("seen the others", replace(memory, told=[ids[0]])) == [(i, "seen", None) for i in ids[1:]]
    # The others of those already spoken of since the list; with none spoken of, which are they?
    assert feedback("rate the others 2", replace(memory, told=[ids[1]])) == [(ids[0], "rated", 2.0), (ids[2], "rated", 2.0)]
    plan = parser.plan("rate the others 2", memory)
    assert not calls(plan) and plan.answer.startswith("Which ones"), calls(plan)
    # What the cue governs: the rest asked about is not said to be seen.
    assert feedback("seen the first, what about the rest?", memory) == [(ids[0], "seen", None)]
    # Review findings: the rest of something else, a title written as one, a pick the message names.
    told = replace(memory, told=[ids[0]])
    for text in ("seen the rest of the trilogy too", "hated the rest of the movie honestly", "I loved The Others, the kidman one"):
        assert not {i for i, *_ in feedback(text, told)} & set(ids[1:]), text
    assert feedback("the first one looks great, seen the others", memory) == [(i, "seen", None) for i in ids[1:]]


@pytest.mark.parametrize("text", ["my husband wants a western, I want a comedy", "she prefers sci-fi thrillers but I like horror",
                                  "my son loves animation while I like westerns"])
def test_whose_taste_it_is_is_no_wish(world, text):
    """"my wife wants a romcom, I want action" searched for the words "my wife wants a romcom";
    "sci-fi" was read as "sci" and "fi", words to search for."""
    _, parser = world
    (call,) = calls(parser.plan(text, Recall()))
    assert call["name"] == "recommend" and "wish" not in call["args"] and len(call["args"]["any_genres"]) >= 2, call


@pytest.mark.parametrize("text, query", [
    ("what's the movie where a guy relives the same day?", "a guy relives the same day"),
    ("what's the film with a shark attacking a beach town", "a shark attacking a beach town"),
    ("I can't remember the name of the movie about a robot alone on earth", "a robot alone on earth"),
    ("what was that film with the guy who has no short term memory?", "the guy who has no short term memory"),
])
def test_a_film_named_by_its_plot_is_searched_for_by_it(world, text, query):
    _, parser = world
    assert calls(parser.plan(text, Recall())) == [{"name": "search_catalog", "args": {"query": query, "plot": True, "k": 3}}]


@pytest.mark.parametrize("text", ["which movie should I watch tonight?", "what's a good movie about dogs?",
                                  "which one has the least violence?", "which film has a similar vibe?",
                                  "what's the movie with the best twist?", "what was that movie with the robbery you mentioned"])
def test_asking_which_film_to_watch_is_no_plot_search(world, text):
    _, parser = world
    assert not any(c["args"].get("plot") for c in calls(parser.plan(text, Recall())))


@pytest.mark.parametrize("text, wanted, excluded", [
    ("nothing too scary for my kids", "Children", "Horror"),
    ("a comedy but not too crude for the kids", "Children", None),
    ("something not too violent for a 10 year old", "Children", None),
    ("a movie that isn't for kids", None, "Children"),
    ("no cartoons for little kids", None, "Children"),
])
def test_who_a_film_is_for_after_too_much_for_is_wanted(world, text, wanted, excluded):
    """"nothing too scary for my kids" ruled out children's films (the negation of "scary" ran
    on to the kids)."""
    _, parser = world
    (call,) = calls(parser.plan(text, Recall()))
    genres, out = call["args"].get("genres", []), call["args"].get("exclude_genres", [])
    assert (wanted is None or wanted in genres and wanted not in out) and (excluded is None or excluded in out), call


@pytest.mark.parametrize("text, word", [("a tear-jerker please", "tear-jerker"), ("my son loves time-travel movies", "time-travel"),
                                        ("any action-packed movies?", "action-packed")])
def test_a_hyphened_word_that_is_no_genre_name_is_still_wished_for(world, text, word):
    """Review finding: reading "sci-fi" whole had made "tear-jerker" and "time-travel" genre words only."""
    _, parser = world
    (call,) = calls(parser.plan(text, Recall()))
    assert word in call["args"].get("wish", ""), call


@pytest.mark.parametrize("text, title", [("Home Alone scared me as a kid, I love it", "Home Alone"),
                                         ("Casablanca made me cry, I loved it", "Casablanca"),
                                         ("Inception blew my mind, I loved it", "Inception")])
def test_what_a_film_did_to_them_says_a_title_came_before(world, text, title):
    """"Psycho scared me as a kid, I love it" asked "Do you mean *Psycho*?": what a film does to
    a person ("scared me", "made me cry") says, as "was great" does, that a title came before."""
    catalog, parser = world
    assert feedback_of(parser.plan(text, Recall())) == {by_title(catalog, title): "liked"}


@pytest.mark.parametrize("text", ["It made me cry", "it scared me so much", "Up made me cry lol"])
def test_what_it_did_to_them_links_no_everyday_title(big_world, text):
    _, parser = big_world
    assert not feedback_of(parser.plan(text, Recall())), text


def test_runs_and_exceptions_of_picks_each_get_what_is_said(world):
    """Review findings (pre-existing): "the first two were great" liked only the first, "seen em
    all except the last one" recorded all five, "watched the last one last weekend" asked which,
    "dont worry i've seen the second one" and "never mind, I've seen the 3rd" recorded nothing."""
    catalog, parser = world
    memory = shown(catalog, "Heat", "Fargo", "Alien", "Casablanca")
    ids = [c["id"] for c in memory.last_shown]
    assert feedback_of(parser.plan("the first two were great", memory)) == {ids[0]: "liked", ids[1]: "liked"}
    assert feedback_of(parser.plan("the last two were boring", memory)) == {ids[2]: "disliked", ids[3]: "disliked"}
    assert feedback_of(parser.plan("seen em all except the last one", memory)) == {i: "seen" for i in ids[:3]}
    assert feedback_of(parser.plan("seen all of them but not the second", memory)) == {i: "seen" for i in (ids[0], *ids[2:])}
    assert feedback_of(parser.plan("watched the last one last weekend, loved it", memory)) == {ids[3]: "liked"}
    assert feedback_of(parser.plan("dont worry i've seen the second one", memory)) == {ids[1]: "seen"}
    assert feedback_of(parser.plan("never mind, I've seen the 3rd", memory)) == {ids[2]: "seen"}
    # Not where the negation is of the seeing.
    assert not feedback_of(parser.plan("I don't think I've seen the second one", memory))


@pytest.mark.parametrize("text, added", [("something funnier", "Comedy"), ("gimme another one but scarier", "Horror"),
                                         ("funnier ones please", "Comedy")])
def test_a_comparative_asks_for_more_of_a_kind_within_the_search(world, text, added):
    """"something funnier" after crime films gave comedies of any kind: a comparative refines
    the search, as "more comedy" does; "gimme" is an asking word."""
    catalog, parser = world
    memory = replace(shown(catalog, "Heat", "Fargo"), last_recommend={"genres": ["Crime"], "k": 2})
    (call,) = [c for c in calls(parser.plan(text, memory)) if c["name"] == "recommend"]
    assert sorted(call["args"]["genres"]) == sorted(["Crime", added]) and "wish" not in call["args"], call["args"]
    # A genre's own name is no comparative: "a thriller" asks anew.
    (call,) = [c for c in calls(parser.plan("a thriller", memory)) if c["name"] == "recommend"]
    assert call["args"]["genres"] == ["Thriller"], call["args"]


@pytest.mark.parametrize("text, title, years", [
    ("Home Alone was hilarious as a kid. Got anything similar but newer?", "Home Alone", (1991, None)),
    ("I loved Casablanca. Anything similar, maybe older?", "Casablanca", (None, 1941)),
    ("Die Hard rocks, any movies similar?", "Die Hard", (None, None)),
])
def test_anything_similar_is_like_the_film_said_and_its_era_is_relative_to_it(world, text, title, years):
    """"Jaws scared me as a kid. Got anything similar but newer?" gave films like Jaws of any
    age: "anything similar" was no "like that", so "newer" had no film to be newer than."""
    catalog, parser = world
    (call,) = [c for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend"]
    assert call["args"]["like"] == [by_title(catalog, title)], call["args"]
    assert (call["args"].get("year_from"), call["args"].get("year_to")) == years, call["args"]


@pytest.mark.parametrize("text", ["I watched the trailer and it looked fun", "we watched the game last night",
                                  "saw the news today, need cheering up", "I watched a couple of episodes of a show"])
def test_what_they_watched_that_is_no_film_is_no_title_to_record(world, text):
    """"I watched the trailer and it looked fun" tried to record a film called "the trailer and
    it looked fun"; with nothing shown, "we watched the game last night" asked which pick."""
    _, parser = world
    plan = parser.plan(text, Recall())
    assert not [c for c in calls(plan) if c["name"] == "record_feedback"], calls(plan)
    assert not (plan.answer or "").startswith("Which one"), plan.answer


@pytest.mark.parametrize("text", ["something scary where you never know what the thing is",
                                  "a mystery, I like not knowing who the killer is"])
def test_a_question_inside_a_sentence_names_no_film(big_world, text):
    """"ones when you don't know who the killer is" asked about *The Killer* and kept it out
    ("is" after a span says a title came before it, but not after "who", "what")."""
    _, parser = big_world
    plan = parser.plan(text, Recall())
    assert not linked_ids(plan) and not plan.answer, (calls(plan), plan.answer)
    assert not any(a.get("negate") for c in calls(plan) for a in c["args"].get("attributes", [])), calls(plan)


def test_second_review_findings_record_nothing_unsaid(world):
    """Review findings on this session's mechanisms: an intensifier is no verdict, a waved-away
    pick is not judged, a run of hours or of a series is no run of picks, the rest of a list
    less its exception."""
    catalog, parser = world
    memory = shown(catalog, "Heat", "Fargo", "Alien", "Casablanca")
    ids = [c["id"] for c in memory.last_shown]
    assert "disliked" not in feedback_of(parser.plan("Casablanca made me cry so bad", Recall())).values()
    assert feedback_of(parser.plan("never mind the first one, the second was awful", memory)).get(ids[0]) is None
    for text in ("the first two hours were boring", "the first 3 seasons of lost were amazing", "i liked the first two alien films"):
        assert not set(feedback_of(parser.plan(text, memory))) & set(ids), text
    assert feedback_of(parser.plan("seen the rest of the movies on the list apart from the 2nd", replace(memory, told=[ids[0]]))) \
        == {ids[2]: "seen", ids[3]: "seen"}
    (call,) = calls(parser.plan("dont think i could ever get tired of westerns, more pls", Recall()))
    assert call["args"].get("genres") == ["Western"], call
    (call,) = calls(parser.plan("a movie about a guy bored with his life", Recall()))
    assert "bored with his life" in call["args"].get("wish", ""), call


def test_a_misspelt_title_with_a_word_of_no_film_is_still_looked_up(demo_world):
    catalog, parser = demo_world
    (call,) = calls(parser.plan("something like the trumen show", Recall()))
    assert call["args"].get("like") == [by_title(catalog, "The Truman Show")], call


@pytest.mark.parametrize("text, positions", [("watched the second and the fourth already", [1, 3]),
                                             ("i've seen 1st and 3rd, got others?", [0, 2]),
                                             ("seen number 2 and number 3", [1, 2]),
                                             ("1 and 3 already watched", [0, 2]), ("seen 2 & 4", [1, 3])])
def test_several_positions_seen_are_each_recorded(world, text, positions):
    """Held-out batch 42: "seen the 1st and the 3rd, any others?" recorded the first only (the
    liked path read each position, the seen path took the first)."""
    catalog, parser = world
    memory = shown(catalog, "Heat", "Fargo", "Alien", "Casablanca")
    plan = parser.plan(text, memory)
    assert feedback_of(plan) == {memory.last_shown[p]["id"]: "seen" for p in positions}, calls(plan)
    # What counts something else is no pick: "the first time"; nor is a sequel's number or a range.
    assert feedback_of(parser.plan("loved the first time i saw the third one", memory)) == {memory.last_shown[2]["id"]: "liked"}
    for other in ("i watched toy story 2 and 3 already", "seen between 1 and 3 of those kind of films"):
        assert not set(feedback_of(parser.plan(other, memory))) & {c["id"] for c in memory.last_shown}, other


@pytest.mark.parametrize("text, film, kind", [("fargo is so underrated", "Fargo", "liked"),
                                              ("toy story was brilliant", "Toy Story", "liked"),
                                              ("honestly inception is overrated", "Inception", "disliked")])
def test_a_verdict_said_of_a_lowercase_title_is_evidence_of_the_film(world, text, film, kind):
    """Our own chat-style messages (benchmarks/labels/own_messages.jsonl): "signs is so underrated",
    "get out was brilliant" were read as words, lower case and yearless. A verdict after the
    span ("is so underrated", "was brilliant") is evidence of its own in the linker."""
    catalog, parser = world
    assert feedback_of(parser.plan(text, Recall())) == {by_title(catalog, film): kind}


@pytest.mark.parametrize("text", ["it was brilliant", "thanks, your help was great", "the first one was brilliant"])
def test_a_verdict_after_everyday_words_links_no_film(big_world, text):
    catalog, parser = big_world
    assert not linked_ids(parser.plan(text, shown(catalog, "Heat", "Fargo"))) - {by_title(catalog, "Heat")}, text


@pytest.mark.parametrize("text", ["Alien comedies please", "any alien comedies?", "got any good heat thrillers"])
def test_a_title_word_before_a_kind_of_film_is_a_kind_not_the_film(world, text):
    """"psycho thrillers", "Alien comedies": the catalog's kinds as nouns after a span make it a
    kind of film, as "the alien movies" do; the film is no seed, nor asked about."""
    _, parser = world
    plan = parser.plan(text, Recall())
    assert not linked_ids(plan) and not plan.confirm and not parser.linker.find(text), text


def test_a_word_before_a_span_that_starts_a_longer_title_is_that_title_not_the_short_one():
    """"just watched eternal sunshine" recorded *Sunshine* (2007) as seen: the person shortened
    *Eternal Sunshine of the Spotless Mind*, whose first words the span ends."""
    from chatrec_agent.catalog.mentions import MentionLinker

    titles = ["Sunshine", "Eternal Sunshine of the Spotless Mind", "Kill Bill: Vol. 1", "Bill", "Heat", "Fargo"]
    items = {f"f{n}": Item(f"f{n}", title, f"A film called {title}.", ("Drama",), year=2000 + n) for n, title in enumerate(titles)}
    interactions = [Interaction(f"u{u}", f"f{(u + k) % len(titles)}", 4.0) for u in range(30) for k in range(3)]
    linker = MentionLinker(Catalog(items, interactions))
    for text in ("just watched eternal sunshine and im not ok", "loved kill bill so much"):
        assert not [m for m in linker.find(text) if m.decision == "link" and m.item.title in ("Sunshine", "Bill")], text
    assert [m.item.title for m in linker.find("I watched Sunshine yesterday") if m.decision == "link"] == ["Sunshine"]


def _excluded(plan) -> set[str]:
    return {i for c in calls(plan) if c["name"] == "recommend" for i in c["args"].get("exclude", [])}


def test_every_film_of_a_rare_title_word_is_kept_out_of_the_picks(world):
    """Our own chat-style messages: a search for "paddington every christmas" or "currently
    rewatching lebowski" found the very films named and gave them as picks (36 of 494
    messages). A word the language rarely uses that is in one or two titles all but names them."""
    catalog, parser = world
    text = "paddington every christmas no exceptions, more kids films?"
    plan = parser.plan(text, Recall())
    # Both, where the word is no sure link; a sure one is that film ("something like Paddington" keeps *Paddington 2*).
    sure = {m.item.id for m in parser.linker.find(text) if m.decision == "link"}
    assert (sure or {by_title(catalog, "Paddington"), by_title(catalog, "Paddington 2")}) <= _excluded(plan), calls(plan)
    assert by_title(catalog, "Paddington") in _excluded(plan) and not feedback_of(plan)


@pytest.mark.parametrize("text, title", [("zootopia with my nephew tonight, anything else animated?", "Zootopia"),
                                         ("currently rewatching lebowski, more comedies pls", "The Big Lebowski"),
                                         ("seen spirited away and totoro, what other ghibli should i try", "My Neighbor Totoro"),
                                         ("home alone on repeat lol, more comedies please", "Home Alone")])
def test_a_film_named_too_unsurely_to_act_on_is_no_pick(demo_world, text, title):
    catalog, parser = demo_world
    plan = parser.plan(text, Recall())
    assert by_title(catalog, title) in _excluded(plan) and by_title(catalog, title) not in feedback_of(plan), calls(plan)


def test_one_everyday_word_keeps_its_film_among_the_picks(demo_world):
    """Two everyday words that spell a title are likely it ("home alone on repeat"); one is
    likely the word: "something to cheer me up" keeps *Up* among the picks."""
    catalog, parser = demo_world
    assert by_title(catalog, "Up") not in _excluded(parser.plan("something animated to cheer me up", Recall()))


def test_what_is_said_of_a_run_or_of_all_picks_is_each_picks_verdict(world):
    """One reader of picks (references.picks_named): "both were great" after two gave a new list,
    "seen the first two, loved them" recorded them as seen only, "loved the second, the rest were
    meh" recorded only the second."""
    catalog, parser = world
    two = shown(catalog, "Heat", "Fargo")
    assert feedback_of(parser.plan("both were great", two)) == {c["id"]: "liked" for c in two.last_shown}
    four = shown(catalog, "Heat", "Fargo", "Alien", "Casablanca")
    ids = [c["id"] for c in four.last_shown]
    assert feedback_of(parser.plan("seen the first two, loved them", four)) == {ids[0]: "liked", ids[1]: "liked"}
    assert feedback_of(parser.plan("I've seen em all, loved the third", four)) == {**{i: "seen" for i in ids}, ids[2]: "liked"}
    assert feedback_of(parser.plan("loved the second, the rest were meh", four)) == \
        {ids[1]: "liked", **{i: "disliked" for i in (ids[0], *ids[2:])}}


def test_a_title_written_with_its_exclamation_mark_is_that_film(big_world):
    """"just watched Help! with my dad" asked about *The Help* (2011), the better-known film of
    the same words: the "!" written after it is *Help!*'s own."""
    catalog, parser = big_world
    (found,) = parser.linker.find("just watched Help! with my dad, the beatles were so goofy")
    assert found.item.id == by_title(catalog, "Help!")
    (found,) = parser.linker.find("we watched Help with my dad")
    assert found.item.id == by_title(catalog, "The Help")


@pytest.mark.parametrize("text, wish", [("anything from studio ghibli?", "studio ghibli"),
                                        ("something about a heist gone wrong", "a heist gone wrong"),
                                        ("anything with robots", "robots")])
def test_a_wish_is_what_describes_not_the_words_that_open_it(world, text, wish):
    """Held-out batch 43: the wish "anything from studio ghibli" was embedded whole; what opens a
    request and describes nothing ("anything from", "something about") is no part of it."""
    _, parser = world
    (call,) = [c for c in calls(parser.plan(text, Recall())) if c["name"] == "recommend"]
    assert call["args"].get("wish") == wish, call


@pytest.mark.parametrize("text, title", [("my daughter loves frozen, anything similar?", "Frozen"),
                                         ("he enjoys frozen, got more like it?", "Frozen"),
                                         ("my son adores toy story, anything similar?", "Toy Story")])
def test_a_taste_verb_in_any_person_points_at_a_title(world, text, title):
    """"loves", "enjoys", "hates" are taste cues as "loved" is: "my daughter loves frozen" read
    *Frozen* as plain words (picks for "my daughter loves frozen"). Someone else's taste is no
    record of the speaker's."""
    catalog, parser = world
    plan = parser.plan(text, Recall())
    film = by_title(catalog, title)
    assert (plan.confirm or {}).get("item") == film or film in linked_ids(plan), (plan.answer, calls(plan))
    assert not feedback_of(plan)


def test_words_that_spell_a_longer_title_but_for_a_typo_are_not_its_first_word(big_world):
    """"i loved blade runers" is *Blade Runner* misspelt, not *Blade* (1998) and a stray word;
    the misspelt title is asked about by the planner. "the blade" alone stays *Blade*'s."""
    catalog, parser = big_world
    for text in ("i loved blade runers", "i loved blade runners"):
        assert by_title(catalog, "Blade") not in {m.item.id for m in parser.linker.candidates(text)}, text
    assert by_title(catalog, "Blade") in {m.item.id for m in parser.linker.candidates("i loved blade, so stylish")}


@pytest.mark.parametrize("text, judged", [("heat is a real gem", 1.0), ("heat was a total mess", 0.0),
                                          ("fargo is such a masterpiece", 1.0), ("ghost busters fans are loud", 0.0)])
def test_what_is_said_right_after_a_span_is_evidence_of_a_film_or_of_people(big_world, text, judged):
    """A verdict after a span, intensified ("a real gem"), is evidence of a film; "fans" after it
    speaks of people ("hung out with some ghost busters fans": no liking of the film)."""
    _, parser = big_world
    (first, *_) = parser.linker.candidates(text)
    assert first.evidence["judged"] == judged, first.evidence
    assert first.evidence["role"] == float(text.startswith("ghost")), first.evidence


@pytest.mark.parametrize("text, told", [("the matrix changed my life at 14", 1.0), ("casablanca kept me up all night", 1.0),
                                        ("inception melted my brain", 1.0), ("heat, ended up skipping it", 0.0),
                                        ("heat needed a nap after", 1.0)])
def test_a_verb_telling_what_the_span_did_is_evidence_of_a_film(big_world, text, told):
    """Our own chat-style messages: "the matrix changed my life", "gone girl kept me up all night"
    were read as words. A verb in a past form right after the span tells what it did, as only a
    thing seen does; after a pause ("heat, ended up…") the verb is a new clause's."""
    _, parser = big_world
    (first, *_) = parser.linker.candidates(text)
    assert first.evidence["cue_after"] == told, first.evidence


@pytest.mark.parametrize("text", ["just rewatched heat lol", "rewatched heat 🔥🔥", "loved fargo ngl, any more?"])
def test_chats_interjections_end_a_cued_title_as_a_pause_does(big_world, text):
    """"just rewatched the matrix lol": the title is all the cue points at, as before a comma."""
    _, parser = big_world
    (first, *_) = parser.linker.candidates(text)
    assert first.evidence["whole"] == 1.0, first.evidence
    assert parser.linker.candidates("loved fargo north dakota")[0].evidence["whole"] == 0.0


@pytest.mark.parametrize("text", ["thats all for today, cya 👋", "cya!", "ok ttyl", "that's it for now 👋👋"])
def test_a_goodbye_in_chat_shorthand_or_with_emoji_gets_no_list(world, text):
    """Held-out batch 44: "thats all for today, cya 👋" searched for its words: "cya" is chat
    shorthand, and emoji, unknown to the sentence model's vocabulary, pulled it off its meaning."""
    catalog, parser = world
    plan = parser.plan(text, shown(catalog, "Heat", "Fargo"))
    assert not calls(plan) and plan.answer == parser.replies.chat["goodbye"], (calls(plan), plan.answer)


@pytest.mark.parametrize("text", ["👋", "🎈", "👍👍", "?!"])
def test_a_message_of_only_emoji_or_marks_asks_for_nothing(world, text):
    catalog, parser = world
    assert parser.plan(text, Recall()).answer == parser.replies.chat["smalltalk"]
    plan = parser.plan(text, shown(catalog, "Heat", "Fargo"))
    assert not calls(plan) and plan.answer == parser.replies.chat["acknowledge"], (calls(plan), plan.answer)


@pytest.mark.parametrize("text", ["the godfather 2 is better anyway", "loved godfather 2", "seen the godfather part 2"])
def test_a_sequel_written_by_its_number_is_that_sequel(demo_world, text):
    """Our own chat-style messages: "the godfather 2 is better anyway" linked *The Godfather*
    and left "2" over. "Part II", "Chapter Two", "Vol. 1" are written as the number after the head."""
    catalog, parser = demo_world
    assert {m.item.id for m in parser.linker.find(text)} == {by_title(catalog, "The Godfather Part II")}, text
    assert ("john wick 2", False) in aliases("John Wick: Chapter Two") and ("kill bill 1", False) in aliases("Kill Bill: Vol. 1")
    assert aliases("Ocean's Eleven")[0] == aliases("Ocean's 11")[0]  # as "Ghostbusters II" is "Ghostbusters 2"


@pytest.mark.parametrize("text, possessed", [("my grandfather's drive took nine hours", 1.0), ("our drive home was long", 1.0),
                                             ("their heat pump broke", 1.0), ("we showed her up", 0.0), ("loved heat", 0.0)])
def test_someones_thing_is_no_title(big_world, text, possessed):
    """Our own chat-style messages: "my grandfather's platoon landed on omaha beach" seeded
    *Platoon*. A possessive before a span makes it someone's thing, as "a" makes it any one."""
    _, parser = big_world
    first = next(m for m in parser.linker.candidates(text) if m.text.lower() in ("platoon", "drive", "heat", "up"))
    assert first.evidence["possessed"] == possessed, first.evidence
    assert not linked_ids(parser.plan(text, Recall())) or not possessed


@pytest.mark.parametrize("text, alone", [("the matrix?", 1.0), ("ok. the matrix!", 1.0), ("the matrix, any good?", 0.0),
                                         ("what about the matrix?", 0.0)])
def test_a_sentence_of_a_title_alone_is_evidence_of_the_film(big_world, text, alone):
    """Our own chat-style messages: people answer with a title alone ("the princess bride?",
    "misery", "raiders"), which linked nothing; everyday words alone stay words ("yes!", "up?")."""
    _, parser = big_world
    first = next(m for m in parser.linker.candidates(text) if m.text.lower() == "the matrix")
    assert first.evidence["alone"] == alone, first.evidence
    for everyday in ("yes!", "up?", "no.", "next"):
        assert not parser.linker.find(everyday) or all(m.decision == "text" for m in parser.linker.find(everyday)), everyday
    (alone_, *_), (in_sentence, *_) = parser.linker.find("the matrix?"), parser.linker.find("the matrix on tv tonight")
    assert alone_.decision != "text" and alone_.score > in_sentence.score, (alone_, in_sentence)


@pytest.mark.parametrize("text, title, kind", [("i loved the matrix", "The Matrix", "liked"),
                                               ("we watched alien last night, any good comedies?", "Alien", "seen"),
                                               ("i hated toy story, any good comedies?", "Toy Story", "disliked")])
def test_a_well_known_film_said_in_lower_case_is_acted_on(world, text, title, kind):
    """Our own chat messages: of the films people named in lower case, the bot acted on one in
    three; "i loved the matrix" was only asked about. Lower-case messages have weights of their
    own in the mention model (fitted on our chat messages beside the real seekers')."""
    catalog, parser = world
    assert feedback_of(parser.plan(text, Recall())) == {by_title(catalog, title): kind}


def test_lower_case_weights_apply_to_lower_case_messages_only():
    model = MentionModel({"bias": 0.0, "cue": 1.0, LOWER + "cue": 2.0}, 0.5, 0.25)
    mixed, lower = {"bias": 1.0, "cue": 1.0, "lowercase_message": 0.0}, {"bias": 1.0, "cue": 1.0, "lowercase_message": 1.0}
    assert model.probability(mixed) == pytest.approx(1 / (1 + math.exp(-1.0)))
    assert model.probability(lower) == pytest.approx(1 / (1 + math.exp(-3.0)))


@pytest.mark.parametrize("text", ["we've done frozen like 400 times so not that, something new?",
                                  "just rewatched casablanca for like the 5th time, more like it?",
                                  "the kids have seen toy story like 10x, other cartoons?"])
def test_like_hedging_how_many_times_compares_no_film(world, text):
    """Our own chat messages: "we've done frozen like 400 times" seeded a search with "400 times
    so" and "for like the 5th time" answered "I couldn't find “the 5th time”"."""
    catalog, parser = world
    plan = parser.plan(text, Recall())
    assert linked_ids(plan) <= set(catalog.items) and "couldn't find" not in (plan.answer or ""), (calls(plan), plan.answer)
    assert not any("time" in s for c in calls(plan) for s in c["args"].get("like", [])), calls(plan)


@pytest.mark.parametrize("text, starring", [("casablanca with humphrey bogart, so good", 1.0), ("heat w/ al pacino is a classic", 1.0),
                                            ("watching heat with tom tonight", 0.0), ("heat with my dad", 0.0),
                                            ("fargo (starring frances mcdormand)", 1.0)])
def test_who_is_in_it_said_after_a_span_is_evidence_of_a_film(big_world, text, starring):
    """Our own chat messages: "big with tom hanks", "moon w/ sam rockwell", "hitch with will smith":
    people say who is in a film; a first name alone is a friend ("with tom tonight")."""
    _, parser = big_world
    first = next(m for m in parser.linker.candidates(text) if m.text.lower() in ("casablanca", "heat", "fargo"))
    assert first.evidence["starring"] == starring, first.evidence


@pytest.mark.parametrize("text", ["what are some good films for halloween?", "any movies about heat waves?", "something for frozen fans"])
def test_what_films_are_for_or_about_is_no_title(world, text):
    """Held-out batch 24 failed on the demo after the lower-case weights: "good films for
    halloween" asked "Do you mean *Halloween*?". What films are for or about is a kind of film."""
    _, parser = world
    plan = parser.plan(text, Recall())
    assert not linked_ids(plan) and plan.confirm is None, (calls(plan), plan.answer)


@pytest.mark.parametrize("text", ["I liked Carpenter's The Thing (1982) remake though", "nolan's inception is his best"])
def test_a_makers_film_is_no_ones_thing(big_world, text):
    """The real dialogues: "I liked Zombie's Halloween (2007) remake" lost its seed when a
    possessive before a span counted against it; a maker's possessive names their film."""
    _, parser = big_world
    first = next(m for m in parser.linker.candidates(text) if m.text.lower() in ("the thing", "inception"))
    assert first.evidence["possessed"] == 0.0, first.evidence


@pytest.mark.parametrize("text", ["Casablanca was average", "Heat was ok", "Fargo was fine I guess"])
def test_a_neutral_verdict_is_neither_liked_nor_a_seed(world, text):
    """Pinned while cutting the planner: without its neutral words ("ok", "fine", "average"),
    "Casablanca was average" seeded a list like Casablanca."""
    _, parser = world
    plan = parser.plan(text, Recall())
    assert "liked" not in feedback_of(plan).values() and not any(c["args"].get("like") for c in calls(plan)), calls(plan)
