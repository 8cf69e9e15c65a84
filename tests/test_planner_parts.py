"""The offline planner's small parsers, each on its own."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from chatrec_agent.catalog import Catalog, Item
from chatrec_agent.catalog.titles import TitleLinker
from chatrec_agent.conversation.planner.eras import parse_era
from chatrec_agent.conversation.planner.lexicon import GenreLexicon
from chatrec_agent.conversation.planner.references import count_in, ordinal_in

from .conftest import film_items


@pytest.mark.parametrize("text, include, exclude", [
    ("a sci-fi film", ["Sci-Fi"], []),
    ("science fiction please", ["Sci-Fi"], []),
    ("a romcom", ["Romance", "Comedy"], []),
    ("something for kids", ["Children"], []),
    ("a funny western, no horror", ["Comedy", "Western"], ["Horror"]),
    ("nothing scary", [], ["Horror"]),
    ("a thriller without romance", ["Thriller"], ["Romance"]),
    ("what should I watch", [], []),
])
def test_genre_lexicon(text, include, exclude):
    lexicon = GenreLexicon(["Action", "Children", "Comedy", "Horror", "Romance", "Sci-Fi", "Thriller", "Western"])
    got_in, got_out = lexicon.parse(text)
    assert sorted(got_in) == sorted(include) and got_out == exclude


def test_lexicon_maps_onto_the_catalogs_own_genre_names():
    lexicon = GenreLexicon(["Children's", "Sci-Fi"])  # MovieLens-100K spelling
    assert lexicon.parse("for the kids")[0] == ["Children's"]
    assert lexicon.parse("a musical")[0] == []  # not in this catalog: no phantom genre


@pytest.mark.parametrize("text, expected", [
    ("from the 90s", (1990, 1999)), ("the eighties", (1980, 1989)), ("1970s classics", (1970, 1979)),
    ("before 1960", (None, 1959)), ("after 2000", (2001, None)), ("since 2010", (2010, None)),
    ("between 1985 and 1975", (1975, 1985)), ("something recent", (2017, None)), ("an old classic", (None, 1969)),
    ("give me 3 comedies", (None, None)), ("from 1994", (1994, 1994)),
    # A negated bound turns round: what is ruled out is the other side.
    ("a drama, nothing before 1985", (1985, None)), ("no films older than 1975", (1975, None)),
    ("not after 2005", (None, 2005)), ("nothing since 2015", (None, 2014)),
    ("a western before 1970 with no gore", (None, 1969)),
])
def test_era_parser(text, expected):
    assert parse_era(text, latest_year=2024) == expected


@pytest.mark.parametrize("text, position", [
    ("why the second one?", 2), ("the 3rd", 3), ("#4 please", 4), ("the last one", -1), ("why that?", None),
])
def test_ordinals(text, position):
    assert ordinal_in(text) == position


@pytest.mark.parametrize("text, n", [
    ("give me 3", 3), ("top ten westerns", 10), ("a few comedies", 3), ("films from the 90s", 5),
    ("just one", 1), ("something before 1960", 5), ("a couple of dramas", 2),
    # A film pointed at is no count: "that one was too scary".
    ("that one was too scary", 5), ("this one comedy is enough", 5), ("one scary film", 1),
    ("show me the ten best comedies", 10), ("the 3 best scary films", 3),
])
def test_counts(text, n):
    assert count_in(text, nouns=frozenset({"scary", "comedy"})) == n


def test_title_linker_handles_typos_articles_and_years():
    catalog = Catalog.from_items(film_items() + [Item("alien-2", "Alien", year=2003)])
    titles = TitleLinker(catalog)
    assert titles.resolve("Blade Runer").item.id == "blade-runner"
    assert titles.resolve("good, the bad and the ugly").item.id == "good-bad-ugly"
    assert titles.resolve("Alien (2003)").item.id == "alien-2"
    assert titles.resolve("Alien").item.id == "alien"
    assert titles.resolve("Zorblax") is None
    assert [i.id for i in titles.suggest("Fargoo")][0] == "fargo"
    assert [i.id for i in titles.find_in_text("alien and blade runner")] == ["alien", "blade-runner"]


def test_a_title_that_holds_a_year_is_read_whole():
    catalog = Catalog.from_items(film_items() + [Item("war-1917", "1917", year=2019), Item("br-2049", "Blade Runner 2049", year=2017),
                                                 Item("orwell", "1984", year=1984)])
    titles = TitleLinker(catalog)
    assert titles.resolve("1917").item.id == "war-1917"
    assert titles.resolve("1984 (1984)").item.id == "orwell"
    assert titles.resolve("Blade Runner 2049").item.id == "br-2049"
    assert titles.resolve("Blade Runner (1982)").item.id == "blade-runner"  # a year in brackets still picks
    assert titles.resolve("2012") is None  # a year no title spells is still no title


def test_chat_script_output_format(tmp_path):
    script = tmp_path / "in.jsonl"
    script.write_text("\n".join(json.dumps(t) for t in [
        {"channel": "a", "user": "demo-01", "text": "give me 2 westerns"},
        {"channel": "a", "user": "demo-01", "text": "why the first one?"},
        {"channel": "b", "user": "demo-01", "text": "why the first one?"},
    ]) + "\n")
    out = tmp_path / "out.jsonl"
    result = subprocess.run([sys.executable, "-m", "chatrec_agent.cli", "chat", "--script", str(script), "--output", str(out)],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 3
    assert set(rows[0]) == {"channel", "user", "text", "reply", "items", "tool_calls", "latency_ms"}
    assert len(rows[0]["items"]) == 2 and set(rows[0]["items"][0]) == {"id", "title", "year", "genres", "explanation"}
    assert rows[1]["tool_calls"] == [{"name": "explain", "args": {"item": rows[0]["items"][0]["id"]}}]
    assert rows[2]["tool_calls"] == []  # channel b has no memory of channel a
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"channel": "a", "user": "u"}\n')
    failed = subprocess.run([sys.executable, "-m", "chatrec_agent.cli", "chat", "--script", str(bad)],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert failed.returncode == 2 and "bad.jsonl:1: each line needs string fields" in failed.stderr


def test_composed_lists_keep_braces_in_titles_and_names_as_text():
    from langchain_core.messages import ToolMessage

    from chatrec_agent.conversation.planner.compose import compose
    from chatrec_agent.conversation.tool_results import tool_output

    card = {"id": "x", "title": "{n} & {0}", "year": 2001, "genres": ["Drama"], "explanation": "because"}
    personal = {"tool": "recommend", "items": [card], "like": [card]}
    group = {"tool": "recommend_for_group", "items": [card], "like": [card], "member_names": ["{Ana}", "you"]}
    texts = []
    for payload in (personal, group):
        content, artifact = tool_output(payload)
        texts.append(compose([ToolMessage(content=content, artifact=artifact, tool_call_id="c")]))
    assert texts[0].startswith("Here is 1 pick like *{n} & {0}* (2001) for you:")
    assert texts[1].startswith("Here is 1 pick like *{n} & {0}* (2001) for {Ana} and you:")


def test_the_planner_recalls_the_list_shown_from_tool_artifacts_and_from_older_text_only_results():
    """Recall reads a tool's plain-data result, not its text; a result stored before tools had
    artifacts (a deployed bot's older conversation) is read from its JSON text."""
    import json

    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

    from chatrec_agent.conversation.planner.memory import recall

    card = {"id": "heat-1995", "title": "Heat", "year": 1995, "genres": ["Crime"], "explanation": "because"}
    result = {"tool": "recommend", "items": [card], "like": []}
    call = AIMessage(content="", tool_calls=[{"name": "recommend", "id": "c1", "args": {"genres": ["Crime"], "k": 1}}])
    now = ToolMessage(content="1 pick: Heat (1995)", artifact=result, tool_call_id="c1", name="recommend")
    memory = recall([HumanMessage(content="a crime film"), call, now])
    assert memory.last_shown == [card] and memory.shown_ids == ["heat-1995"] and memory.list_tool == "recommend"
    assert memory.last_recommend == {"genres": ["Crime"], "k": 1, "like": []}
    older = ToolMessage(content=json.dumps(result), tool_call_id="c1", name="recommend")
    assert recall([HumanMessage(content="a crime film"), call, older]) == memory
    failed = ToolMessage(content="Error: the tool failed", tool_call_id="c1", name="recommend", status="error")
    assert recall([HumanMessage(content="a crime film"), call, failed]).last_shown == []


def test_titles_offered_for_an_unknown_one_are_close_as_a_whole():
    titles = TitleLinker(Catalog.from_items([Item(f"t{n}", t) for n, t in enumerate(
        ["Some Like It Hot", "Hot Shots!", "Back to the Future", "The Matrix", "Jurassic Park", "Heat"])]))
    assert titles.suggest("hot fuzz") == []  # one shared word is no likeness
    assert [i.title for i in titles.suggest("the matrx")] == ["The Matrix"]
    assert "Jurassic Park" in [i.title for i in titles.suggest("jurassic world")]
