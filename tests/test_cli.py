"""The `chatrec` command as a user runs it, on a small catalog in a temp dir."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from .conftest import chatrec, film_project, film_records, write_jsonl
from .test_loaders import GENRES, flags


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return film_project(tmp_path, "discord: {token: '${DISCORD_TOKEN}'}\n")


def test_index_search_and_doctor(project):
    first = chatrec("index", cwd=project)
    assert first.returncode == 0, first.stderr
    assert f"{len(film_records())} added" in first.stdout and "\nBuilt index" in first.stdout, first.stdout  # not "Rebuilt"
    again = chatrec("index", cwd=project)
    assert "up to date" in again.stdout and "nothing embedded" in again.stdout

    found = chatrec("search", "cowboys in the old west", "--genre", "Western", "--year-to", "1970", "-k", "5", "--json", cwd=project)
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)
    assert {h["id"] for h in hits} == {"good-bad-ugly", "rio-bravo"}
    assert all(set(h) == {"id", "title", "year", "genres", "score"} for h in hits)

    table = chatrec("search", "space monster", "-k", "3", cwd=project)
    assert "Alien" in table.stdout and "score" in table.stdout

    doctor = chatrec("doctor", cwd=project, env={"DISCORD_TOKEN": "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.secret"})
    assert doctor.returncode == 0, doctor.stdout
    assert "✓ index: 24 items" in doctor.stdout
    assert "✓ recommender: hybrid(ease): 24 items: EASE's item x item matrix fits" in doctor.stdout
    assert "✓ discord: bot token set for application 123456789012345678" in doctor.stdout
    invite = "https://discord.com/oauth2/authorize?client_id=123456789012345678"
    assert f"Invite the Discord bot: {invite}" in doctor.stdout.replace("\n", "")
    assert "! slack: not configured" in doctor.stdout
    assert "✓ llm: replies come from the offline planner (no language model configured: llm.provider offline)." \
        in doctor.stdout


def test_full_reindex_switches_collections(project):
    chatrec("index", cwd=project)
    rebuilt = chatrec("index", "--full", cwd=project)
    assert rebuilt.returncode == 0 and "Rebuilt index" in rebuilt.stdout


def test_doctor_says_what_to_fix(project):
    with (project / "config.yaml").open("a") as config:
        config.write("llm: {provider: ollama}\n")
    doctor = chatrec("doctor", cwd=project, env={"DISCORD_TOKEN": "not-a-bot-token"})
    assert doctor.returncode == 1
    assert "✗ llm: llm.provider is ollama; set llm.model to the model's name." in doctor.stdout
    assert "✗ index: empty" in doctor.stdout and "run `chatrec index`" in doctor.stdout
    assert "✗ discord: DISCORD_TOKEN does not look like a bot token" in doctor.stdout
    assert "Invite" not in doctor.stdout
    (project / "config.yaml").write_text(
        "catalog: {format: jsonl, path: missing.jsonl}\nslack: {bot_token: not-a-token}\n"
        "llm: {provider: openai, model: gpt-4o-mini, base_url: 'http://bot:hunter2@127.0.0.1:8000/v1'}\n"
    )
    doctor = chatrec("doctor", cwd=project)
    assert "✓ llm: replies come from openai gpt-4o-mini at http://127.0.0.1:8000/v1." in doctor.stdout
    assert "hunter2" not in doctor.stdout
    assert "✗ catalog:" in doctor.stdout and "missing.jsonl: file not found" in doctor.stdout
    assert "✗ slack: SLACK_BOT_TOKEN should start with 'xoxb-'" in doctor.stdout


def test_bad_catalog_row_stops_index_with_file_and_line(project):
    path = project / "films.jsonl"
    path.write_text(path.read_text() + '{"id": "fargo", "title": "Fargo again"}\n')
    result = chatrec("index", cwd=project)
    assert result.returncode == 2
    assert f"films.jsonl:{len(film_records()) + 1}: duplicate item id 'fargo'" in result.stderr.replace("\n", "")
    assert "Traceback" not in result.stderr
    assert not (project / "state" / "chroma").exists()  # nothing half-imported


def test_empty_query_is_refused(project):
    result = chatrec("search", "   ", cwd=project)
    assert result.returncode == 2 and "query is empty" in result.stderr


def test_terminal_chat_answers_from_the_catalog(project):
    chatrec("index", cwd=project)
    result = chatrec("chat", cwd=project, input="a scary film set in a hotel\n\nquit\n")
    assert result.returncode == 0, result.stderr
    assert "The Shining (1980)" in result.stdout
    assert "Say what you're in the mood for" in result.stdout  # the empty line
    assert "Replies come from the offline planner (no language model configured: llm.provider offline)." \
        in result.stdout.splitlines()[:3]


def write_many_raters_movielens(folder: Path, users: int = 3000, items: int = 500, per_user: int = 10,
                                seed: int = 6) -> Path:
    """A MovieLens-100K-format folder whose rating model takes about 25 s to fit, most of it
    inside torch (AutoRec's decoder is as wide as the 3,000 users), while its 500 items index
    in a few seconds."""
    folder.mkdir()
    rng = random.Random(seed)
    tastes = ["Western", "Horror", "Comedy"]
    (folder / "u.genre").write_text("".join(f"{g}|{i}\n" for i, g in enumerate(GENRES)), encoding="latin-1")
    (folder / "u.item").write_text("".join(
        f"{i}|Film {i} ({1900 + i // 2})|01-Jan-{1900 + i // 2}||http://example.org/{i}|{flags(tastes[i % 3])}\n"
        for i in range(1, items + 1)), encoding="latin-1")
    (folder / "u.data").write_text("".join(
        f"{u}\t{i}\t{rng.randint(1, 5)}\t{880000000 + i}\n"
        for u in range(1, users + 1) for i in rng.sample(range(1, items + 1), per_user)))
    return folder


def test_scripted_chat_exits_cleanly_while_the_rating_model_is_still_fitting(tmp_path):
    """The rating model is fitted on a background thread. A chat that ends first stops that fit
    (nothing is saved) and exits 0, instead of aborting inside torch as the interpreter exits."""
    write_many_raters_movielens(tmp_path / "ml")
    (tmp_path / "config.yaml").write_text("catalog: {format: movielens-100k, path: ml}\nstorage: {dir: state}\n")
    asks = ["a western", "something older", "only comedies", "just give me two", "a horror film"]
    write_jsonl(tmp_path / "in.jsonl", [{"channel": f"c{n % 3}", "user": str(n + 1), "text": asks[n % len(asks)]}
                                        for n in range(20)])
    result = chatrec("chat", "--script", "in.jsonl", "--output", "out.jsonl", cwd=tmp_path)
    assert "terminate called" not in result.stderr
    assert result.returncode == 0, result.stderr
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 20
    models = tmp_path / "state" / "models"
    assert (models / "hybrid.json").exists()
    assert not (models / "rating.json").exists()  # still fitting when the chat ended: stopped, not saved


def test_run_without_tokens_indexes_then_opens_the_terminal_chat(project):
    """The main job, as `scripts/demo.sh` runs it."""
    result = chatrec("run", cwd=project, input="give me 2 westerns\nquit\n")
    assert result.returncode == 0, result.stderr
    assert "chatrec: tell me what you'd like to watch" in result.stdout
    assert "Here are 2 picks" in result.stdout



def test_titles_with_brackets_print_as_written(tmp_path):
    from .conftest import write_jsonl

    records = film_records() + [{"id": "rec", "title": "[REC]", "year": 2007, "genres": ["Horror"],
                                 "description": "A television crew is trapped in a quarantined Barcelona apartment block."},
                                {"id": "slash", "title": "Odd [/] Title [bold]", "year": 2001, "genres": ["Drama"],
                                 "description": "A film whose title looks like console markup."}]
    write_jsonl(tmp_path / "films.jsonl", records)
    (tmp_path / "config.yaml").write_text("catalog: {format: jsonl, path: films.jsonl}\nstorage: {dir: state}\n")
    assert chatrec("index", cwd=tmp_path).returncode == 0
    found = chatrec("search", "quarantined apartment block in Barcelona", "-k", "1", cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    assert "[REC]" in found.stdout
    odd = chatrec("search", "a title that looks like console markup", "-k", "1", cwd=tmp_path)
    assert odd.returncode == 0, odd.stderr
    assert "Odd [/] Title [bold]" in odd.stdout


def test_version_is_printed(tmp_path):
    from importlib.metadata import version

    result = chatrec("--version", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == f"chatrec {version('chatrec')}", result


def test_recommending_for_someone_unknown_says_so_and_offers_close_ids(tmp_path):
    (tmp_path / "config.yaml").write_text("storage: {dir: state}\n")  # the demo catalog and its people
    assert chatrec("index", cwd=tmp_path).returncode == 0
    typo = chatrec("recommend", "--user", "demo-1", "-k", "3", cwd=tmp_path)
    assert typo.returncode == 0, typo.stderr
    assert "No history for 'demo-1'" in typo.stderr and "demo-01" in typo.stderr.split("Did you mean")[1], typo.stderr
    assert typo.stdout.count("\n1. ") + typo.stdout.startswith("1. ") == 1  # the picks still come
    known = chatrec("recommend", "--user", "demo-01", "-k", "3", cwd=tmp_path)
    assert known.returncode == 0 and "No history" not in known.stderr, known.stderr
