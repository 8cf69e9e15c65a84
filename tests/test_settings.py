from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from chatrec_agent.errors import ConfigError
from chatrec_agent.settings import ENVIRONMENT_DEFAULTS, load_settings, settings_from_dict

REPO = Path(__file__).resolve().parents[1]


def test_defaults_run_the_demo_catalog_in_embedded_mode():
    s = settings_from_dict({}, environ={}, base_dir=Path("/srv/bot"))
    assert s.catalog.format == "demo"
    assert s.vector_store.mode == "embedded"
    assert s.storage.dir == Path("/srv/bot/.chatrec")
    assert s.slack.bot_token is None and s.discord.token is None


def test_shipped_config_yaml_is_valid_and_keeps_secrets_out():
    text = (REPO / "config.yaml").read_text()
    assert "xoxb-" not in text and "xapp-" not in text
    s = load_settings(REPO / "config.yaml", environ={"SLACK_BOT_TOKEN": "xoxb-123"})
    assert s.catalog.format == "demo"
    assert s.slack.bot_token.get_secret_value() == "xoxb-123"
    assert s.discord.token is None  # unset ${DISCORD_TOKEN} means "not configured"
    assert s.storage.dir == REPO / ".chatrec"


def test_without_a_config_file_the_platform_tokens_still_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no config.yaml here
    s = load_settings(None, environ={"DISCORD_TOKEN": "d-token", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    assert s.discord.token.get_secret_value() == "d-token"
    assert s.slack.bot_token.get_secret_value() == "xoxb-1" and s.slack.app_token.get_secret_value() == "xapp-1"
    assert s.slack.signing_secret is None and s.catalog.format == "demo"
    assert load_settings(None, environ={}).discord.token is None
    # The same placeholders as the shipped config.yaml, so the two ways can't drift apart.
    shipped = yaml.safe_load((REPO / "config.yaml").read_text())
    for section, values in ENVIRONMENT_DEFAULTS.items():
        assert {k: shipped[section][k] for k in values} == values


def test_history_backend_is_sqlite_unless_postgres_is_asked_for_with_a_url(tmp_path):
    assert settings_from_dict({}, environ={}).storage.backend == "sqlite"
    shipped = load_settings(REPO / "config.yaml", environ={"DATABASE_URL": "postgresql://bot:pw@db:5432/chatrec"})
    assert shipped.storage.backend == "sqlite"  # a URL alone changes nothing
    s = settings_from_dict({"storage": {"backend": "postgres", "url": "${DATABASE_URL}"}},
                           environ={"DATABASE_URL": "postgresql://bot:pw@db:5432/chatrec"})
    assert s.storage.url.get_secret_value() == "postgresql://bot:pw@db:5432/chatrec" and "pw" not in repr(s.storage)
    with pytest.raises(ConfigError, match=r"'storage\.url'.*storage\.backend postgres needs storage\.url"):
        settings_from_dict({"storage": {"backend": "postgres", "url": "${DATABASE_URL}"}}, environ={})
    with pytest.raises(ConfigError, match=r"'storage\.backend'"):
        settings_from_dict({"storage": {"backend": "mysql"}}, environ={})


def test_discord_sharding_needs_a_count_and_ids_within_it():
    unsharded = settings_from_dict({}, environ={}).discord
    assert unsharded.shard_count is None and unsharded.shard_ids == []
    assert settings_from_dict({"discord": {"shard_count": 4}}, environ={}).discord.shard_ids == []  # all four here
    one = settings_from_dict({"discord": {"shard_count": 4, "shard_ids": [3, 1]}}, environ={}).discord
    assert (one.shard_count, one.shard_ids) == (4, [3, 1])
    # A fleet shares one config; each process names its shards in its environment.
    shipped = load_settings(REPO / "config.yaml", environ={"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "0, 2"})
    assert (shipped.discord.shard_count, shipped.discord.shard_ids) == (4, [0, 2])
    assert load_settings(REPO / "config.yaml", environ={}).discord.shard_ids == []
    with pytest.raises(ConfigError, match=r"'discord\.shard_ids'.*needs discord\.shard_count"):
        settings_from_dict({"discord": {"shard_ids": [0]}}, environ={})
    with pytest.raises(ConfigError, match=r"'discord\.shard_ids'.*shard 2 is not one of the discord\.shard_count 2 shards \(0 to 1\)"):
        settings_from_dict({"discord": {"shard_count": 2, "shard_ids": [0, 2]}}, environ={})
    with pytest.raises(ConfigError, match=r"'discord\.shard_ids'.*shard -1 is not one of"):
        settings_from_dict({"discord": {"shard_count": 2, "shard_ids": [-1]}}, environ={})
    with pytest.raises(ConfigError, match=r"'discord\.shard_ids'.*lists shard 1 twice"):
        settings_from_dict({"discord": {"shard_count": 2, "shard_ids": [1, 1]}}, environ={})
    with pytest.raises(ConfigError, match=r"'discord\.shard_count'.*greater than or equal to 1"):
        settings_from_dict({"discord": {"shard_count": 0}}, environ={})
    with pytest.raises(ConfigError, match=r"'discord\.shard_ids\.1'.*valid integer"):
        settings_from_dict({"discord": {"shard_count": 2, "shard_ids": "0,one"}}, environ={})


def test_placeholders_are_filled_from_the_given_environment(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("vector_store:\n  host: ${CHROMA_HOST:-localhost}\n  port: ${CHROMA_PORT}\n")
    s = load_settings(cfg, environ={"CHROMA_PORT": "9100"})
    assert s.vector_store.host == "localhost"
    assert s.vector_store.port == 9100
    s = load_settings(cfg, environ={"CHROMA_PORT": "9100", "CHROMA_HOST": "chroma.internal"})
    assert s.vector_store.host == "chroma.internal"


def test_only_braced_placeholders_are_filled_and_an_unclosed_one_is_a_clear_error(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("storage: {backend: postgres, url: 'postgresql://bot:pa$$w0rd\\x@${DB_HOST:-db}/chatrec'}\n")
    s = load_settings(cfg, environ={"w0rd": "no"})
    assert s.storage.url.get_secret_value() == "postgresql://bot:pa$$w0rd\\x@db/chatrec"  # "$", "\\" as written
    cfg.write_text("slack: {bot_token: '${SLACK_BOT_TOKEN'}\n")
    with pytest.raises(ConfigError, match=r"c\.yaml: slack\.bot_token: .*'}'"):
        load_settings(cfg, environ={"SLACK_BOT_TOKEN": "xoxb-1"})


def test_relative_paths_resolve_against_the_config_folder(tmp_path):
    (tmp_path / "conf").mkdir()
    cfg = tmp_path / "conf" / "c.yaml"
    cfg.write_text("catalog: {format: csv, path: data/items.csv}\nstorage: {dir: state}\n")
    s = load_settings(cfg, environ={})
    assert s.catalog.path == tmp_path / "conf" / "data" / "items.csv"
    assert s.storage.dir == tmp_path / "conf" / "state"


def test_unknown_key_is_named(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("catalog:\n  fromat: csv\n")
    with pytest.raises(ConfigError, match=r"unknown key 'catalog\.fromat'"):
        load_settings(cfg, environ={})


def test_every_mistake_in_a_file_is_named_at_once(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("catalog:\n  fromat: csv\nvector_store:\n  port: eighty\nstorage:\n  dri: x\n")
    with pytest.raises(ConfigError) as raised:
        load_settings(cfg, environ={})
    lines = str(raised.value).splitlines()
    assert len(lines) == 3, lines
    for problem in ("unknown key 'catalog.fromat'", "'vector_store.port'", "unknown key 'storage.dri'"):
        assert sum(problem in line for line in lines) == 1, (problem, lines)


def test_wrong_type_is_named_with_the_value(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("vector_store:\n  port: eighty\n")
    with pytest.raises(ConfigError, match=r"'vector_store\.port'.*eighty"):
        load_settings(cfg, environ={})


def test_bad_format_lists_the_choices(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("catalog: {format: excel}\n")
    with pytest.raises(ConfigError, match=r"catalog\.format.*movielens-100k"):
        load_settings(cfg, environ={})


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.yaml", environ={})
    cfg = tmp_path / "c.yaml"
    cfg.write_text("catalog: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML at line"):
        load_settings(cfg, environ={})
    cfg.write_text("- just\n- a list\n")
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_settings(cfg, environ={})


def test_cli_reports_config_errors_in_one_line_without_traceback(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("storage:\n  dri: x\n")
    result = subprocess.run(
        [sys.executable, "-m", "chatrec_agent.cli", "--config", str(cfg), "index"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert "unknown key 'storage.dri'" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_any_key_can_be_set_from_the_environment_over_the_file(tmp_path):
    """CHATREC_<SECTION>__<KEY>, read by pydantic-settings: a container sets what it needs."""
    cfg = tmp_path / "c.yaml"
    cfg.write_text("vector_store: {port: 9000}\nrecommender: {model: hybrid}\n")
    s = load_settings(cfg, environ={"CHATREC_VECTOR_STORE__PORT": "9100", "CHATREC_RECOMMENDER__MODEL": "ease",
                                    "CHATREC_BOT__TURN_WORKERS": "3"})
    assert (s.vector_store.port, s.recommender.model, s.bot.turn_workers) == (9100, "ease", 3)
    assert load_settings(cfg, environ={}).vector_store.port == 9000  # the file, without the variable


def test_a_bad_variable_is_named_with_the_file_s_problems_at_once(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("catalog:\n  fromat: csv\n")
    with pytest.raises(ConfigError) as raised:
        load_settings(cfg, environ={"CHATREC_VECTOR_STORE__PORT": "eighty", "CHATREC_STORAGE__DRI": "x",
                                    "CHATREC_STORGE__DIR": "x"})
    lines = str(raised.value).splitlines()
    assert len(lines) == 4, lines
    assert any(line.startswith(str(cfg)) and "catalog.fromat" in line for line in lines), lines
    assert any(line.startswith("environment variable CHATREC_VECTOR_STORE__PORT") and "eighty" in line for line in lines), lines
    assert any(line.startswith("environment variable CHATREC_STORAGE__DRI") and "unknown key" in line for line in lines), lines
    assert any(line.startswith("environment variable CHATREC_STORGE__DIR") and "no setting" in line for line in lines), lines


def test_doctor_counts_each_config_problem(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("catalog:\n  fromat: csv\nstorage:\n  dri: x\n")
    result = subprocess.run([sys.executable, "-m", "chatrec_agent.cli", "--config", str(cfg), "doctor"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "2 problems to fix" in result.stdout, result.stdout


def test_variables_are_read_as_a_shell_writes_them(tmp_path):
    """Lists as "U1,U2" or JSON; an empty variable is unset (as an unset ${VAR} is: no token of "")."""
    env = {"CHATREC_SLACK__ADMIN_USER_IDS": "U1, U2", "CHATREC_DISCORD__GUILD_IDS": "[1, 2]",
           "CHATREC_DISCORD__SHARD_COUNT": "2", "CHATREC_DISCORD__SHARD_IDS": "0,1", "CHATREC_SLACK__BOT_TOKEN": ""}
    s = settings_from_dict({"storage": {"dir": str(tmp_path)}}, environ=env)
    assert (s.slack.admin_user_ids, s.discord.guild_ids, s.discord.shard_ids) == (["U1", "U2"], [1, 2], [0, 1])
    assert s.slack.bot_token is None


@pytest.mark.parametrize("name, value, problem", [("CHATREC_VECTOR_STORE__HEADERS", "a=b", "valid dictionary"),
                                                  ("CHATREC_STORAGE", "postgres", "'storage'")])
def test_a_variable_that_cannot_be_read_is_a_config_error_naming_it(tmp_path, name, value, problem):
    with pytest.raises(ConfigError) as raised:
        settings_from_dict({"storage": {"dir": str(tmp_path)}}, environ={name: value})
    assert str(raised.value).startswith(f"environment variable {name}:") and problem in str(raised.value)
