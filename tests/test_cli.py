"""The `chatrec` command as a user runs it, on a small catalog in a temp dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import chatrec, film_project, film_records


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return film_project(tmp_path, "discord: {token: '${DISCORD_TOKEN}'}\n")


def test_index_search_and_doctor(project):
    first = chatrec("index", cwd=project)
    assert first.returncode == 0, first.stderr
    assert f"{len(film_records())} added" in first.stdout
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
    assert "✓ discord: bot token set for application 123456789012345678" in doctor.stdout
    invite = "https://discord.com/oauth2/authorize?client_id=123456789012345678"
    assert f"Invite the Discord bot: {invite}" in doctor.stdout.replace("\n", "")
    assert "! slack: not configured" in doctor.stdout


def test_full_reindex_switches_collections(project):
    chatrec("index", cwd=project)
    rebuilt = chatrec("index", "--full", cwd=project)
    assert rebuilt.returncode == 0 and "Rebuilt index" in rebuilt.stdout


def test_doctor_says_what_to_fix(project):
    doctor = chatrec("doctor", cwd=project, env={"DISCORD_TOKEN": "not-a-bot-token"})
    assert doctor.returncode == 1
    assert "✗ index: empty" in doctor.stdout and "run `chatrec index`" in doctor.stdout
    assert "✗ discord: DISCORD_TOKEN does not look like a bot token" in doctor.stdout
    assert "Invite" not in doctor.stdout
    (project / "config.yaml").write_text(
        "catalog: {format: jsonl, path: missing.jsonl}\nslack: {bot_token: not-a-token}\n"
    )
    doctor = chatrec("doctor", cwd=project)
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
