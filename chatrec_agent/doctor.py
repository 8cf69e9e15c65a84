"""`chatrec doctor`: check each part a first run needs and say what to fix."""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from chatrec_agent.errors import ChatrecError
from chatrec_agent.settings import Settings, load_settings


@dataclass(frozen=True)
class Check:
    name: str
    level: Literal["ok", "warn", "fail"]
    detail: str


def _check_storage(settings: Settings) -> Check:
    folder = settings.storage.dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        return Check("storage", "fail", f"{folder} is not writable ({exc.strerror}); set storage.dir to a writable folder.")
    return Check("storage", "ok", str(folder))


def _check_history(settings: Settings) -> Check | None:
    """A PostgreSQL history: reachable, and migrated to this version (opening it migrates)."""
    if settings.storage.backend != "postgres":
        return None  # the SQLite file lives in storage.dir, checked above
    from chatrec_agent.store.backends import open_history

    try:
        history = open_history(settings.storage)
    except ChatrecError as exc:
        return Check("history", "fail", str(exc))
    history.close()
    return Check("history", "ok", f"PostgreSQL at {history.location}, schema up to date.")


def _check_llm(settings: Settings) -> Check:
    """Which model writes the replies: the offline planner, or the one configured."""
    from chatrec_agent.conversation.llm import describe_model

    llm = settings.llm
    if llm.provider != "offline" and not llm.model:
        return Check("llm", "fail", f"llm.provider is {llm.provider}; set llm.model to the model's name.")
    return Check("llm", "ok", f"replies come from {describe_model(llm)}.")


def _check_tokens(settings: Settings) -> list[Check]:
    checks = []
    slack = settings.slack
    if slack.client_id:
        checks.append(_installable_slack(slack))
    elif slack.bot_token is None:
        checks.append(Check("slack", "warn", "not configured (set SLACK_BOT_TOKEN to serve Slack)."))
    elif not slack.bot_token.get_secret_value().startswith("xoxb-"):
        checks.append(Check("slack", "fail", "SLACK_BOT_TOKEN should start with 'xoxb-' (the Bot User OAuth Token)."))
    elif slack.app_token is None and slack.signing_secret is None:
        checks.append(Check("slack", "fail", "set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)."))
    elif slack.app_token is not None and not slack.app_token.get_secret_value().startswith("xapp-"):
        checks.append(Check("slack", "fail", "SLACK_APP_TOKEN should start with 'xapp-' (an app-level token)."))
    else:
        mode = "Socket Mode" if slack.app_token is not None else "HTTP mode"
        checks.append(Check("slack", "ok", f"bot token set, {mode}."))
    if settings.discord.token is None:
        checks.append(Check("discord", "warn", "not configured (set DISCORD_TOKEN to serve Discord)."))
    elif (app_id := discord_application_id(settings.discord.token.get_secret_value())) is None:
        checks.append(Check("discord", "fail", "DISCORD_TOKEN does not look like a bot token; copy it from the "
                                               "developer portal (Bot → Reset Token)."))
    else:
        checks.append(Check("discord", "ok", f"bot token set for application {app_id}."))
    return checks


def discord_application_id(token: str) -> int | None:
    """A Discord bot token's first part is its application's id in base64."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    head = parts[0]
    try:
        return int(base64.b64decode(head + "=" * (-len(head) % 4), validate=True).decode())
    except (ValueError, UnicodeDecodeError):
        return None


def run_checks(config: Path | None, environ: Mapping[str, str]) -> list[Check]:
    """All checks in order; later checks are skipped when what they need failed."""
    try:
        settings = load_settings(config, environ)
    except ChatrecError as exc:
        return [Check("config", "fail", str(exc))]
    checks = [Check("config", "ok", str(settings.source or "built-in defaults (no config.yaml here)"))]
    checks.append(_check_storage(settings))
    if (history := _check_history(settings)) is not None:
        checks.append(history)

    from chatrec_agent.catalog.load import load_catalog

    catalog = None
    try:
        catalog = load_catalog(settings.catalog)
        level = "warn" if catalog.skipped else "ok"
        skipped = f", {len(catalog.skipped)} bad rows skipped" if catalog.skipped else ""
        checks.append(Check(
            "catalog", level, f"{len(catalog)} items, {len(catalog.interactions)} interactions from {catalog.source}{skipped}."
        ))
    except ChatrecError as exc:
        checks.append(Check("catalog", "fail", str(exc)))
    if catalog is not None:
        from chatrec_agent.recommender import model_choice

        chosen, why = model_choice(settings.recommender.model, len(catalog))
        checks.append(Check("recommender", "ok", f"{chosen}: {why}."))

    from chatrec_agent.search.embeddings import Embedder

    embedder: Embedder | None = None
    try:
        started = time.perf_counter()
        embedder = Embedder(settings.embeddings)
        embedder.load()  # on a first run of the onnx backend, the export (a container image can keep it)
        dimension = embedder.dimension
        checks.append(Check(
            "embeddings", "ok",
            f"{embedder.model_name} ({dimension} dims) on {embedder.device}, loaded in {time.perf_counter() - started:.1f}s.",
        ))
    except ChatrecError as exc:
        checks.append(Check("embeddings", "fail", str(exc)))
        embedder = None

    if embedder is not None:
        from chatrec_agent.search.index import ItemIndex

        try:
            index = ItemIndex(settings, embedder)
            status = index.status()
            where = (
                f"server {settings.vector_store.host}:{settings.vector_store.port}"
                if settings.vector_store.mode == "server" else str(settings.index_dir)
            )
            if not status["collection"]:
                checks.append(Check("index", "fail", f"empty ({where}); run `chatrec index`."))
            elif catalog is not None and status["items"] != len(catalog):
                checks.append(Check(
                    "index", "warn",
                    f"{status['items']} items indexed but the catalog has {len(catalog)}; run `chatrec index`.",
                ))
            elif status.get("model") != embedder.model_name:
                checks.append(Check("index", "warn", "built with another embedding model; run `chatrec index --full`."))
            else:
                checks.append(Check("index", "ok", f"{status['items']} items in '{status['collection']}' ({where})."))
        except ChatrecError as exc:
            checks.append(Check("index", "fail", str(exc)))

    checks.append(_check_llm(settings))
    checks.extend(_check_tokens(settings))
    return checks


def _installable_slack(slack) -> Check:
    """Installed through Slack's OAuth flow in many workspaces: the secrets it needs, a key that
    is one, and HTTP mode."""
    missing = [env for env, value in (("SLACK_CLIENT_SECRET", slack.client_secret), ("SLACK_SIGNING_SECRET", slack.signing_secret),
                                      ("SLACK_TOKEN_KEY", slack.token_key)) if value is None]
    if missing:
        return Check("slack", "fail", f"SLACK_CLIENT_ID is set (many workspaces): set {', '.join(missing)} too "
                                      "(`chatrec slack-key` makes a token key).")
    if slack.app_token is not None:
        return Check("slack", "fail", "installing in many workspaces needs HTTP mode: unset SLACK_APP_TOKEN.")
    try:
        from cryptography.fernet import Fernet

        Fernet(slack.token_key.get_secret_value().encode())
    except (ValueError, TypeError):
        return Check("slack", "fail", "SLACK_TOKEN_KEY is not a valid key: make one with `chatrec slack-key`.")
    return Check("slack", "ok", f"installable in many workspaces (OAuth at {slack.install_path}), HTTP mode.")
