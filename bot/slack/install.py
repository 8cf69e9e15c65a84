"""Installing the Slack app in many workspaces: Bolt's OAuth flow, with the installations kept
in the bot's own database (SQLite or PostgreSQL, the history store's `installations` table),
their tokens encrypted at rest with a key from the environment (Fernet: AES-128-CBC + HMAC).

One workspace needs none of this: `slack.bot_token` alone serves it, as before."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from slack_bolt.error import BoltError
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import StatelessOAuthStateStore

from chatrec_agent.errors import ChatrecError
from chatrec_agent.settings import SlackSettings
from chatrec_agent.store.history import HistoryStore

log = logging.getLogger(__name__)

# The fields of an installation that grant access: encrypted; the rest (ids, names, scopes) is not.
SECRET_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token", "incoming_webhook_url")
STATE_EXPIRES_S = 300  # an "Add to Slack" link is good for five minutes


def workspace_of(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False) -> str:
    """The workspace id an installation's rows, and everything said through it, are kept under:
    the team's, or an org-wide install's org."""
    return (enterprise_id or "") if is_enterprise_install or not team_id else team_id


def new_key() -> str:
    """A key for `slack.token_key` (SLACK_TOKEN_KEY)."""
    return Fernet.generate_key().decode()


class EncryptedInstallationStore(InstallationStore):
    """slack-sdk's installation store over the history store: one installation per workspace
    (or Enterprise Grid org), its secrets encrypted with `key`."""

    def __init__(self, history: HistoryStore, key: str, on_change: Callable[[str], None] | None = None):
        """`on_change(workspace)`: called after a workspace's installation is saved or deleted
        (a reinstall brings a new token: whoever caches one drops it)."""
        try:
            self.cipher = Fernet(key.encode())
        except (ValueError, TypeError):
            raise ChatrecError("slack.token_key (SLACK_TOKEN_KEY) is not a valid key: make one with `chatrec slack-key`.") from None
        self.history = history
        self.on_change = on_change
        self._lock = threading.Lock()

    @property
    def logger(self) -> logging.Logger:
        return log

    @staticmethod
    def workspace(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False) -> str:
        return workspace_of(enterprise_id, team_id, is_enterprise_install)

    def save(self, installation: Installation) -> None:
        if installation.is_enterprise_install:
            # An org-wide install's events, uninstalls and tokens name the org or a workspace in
            # it by turns; until that is mapped and tested, one install per workspace. Bolt shows
            # its failure page and nothing is stored.
            log.warning("refused an org-wide Slack install (%s): install the app in each workspace", installation.enterprise_id)
            raise BoltError("org-wide (Enterprise Grid) installs are not supported; install the app in each workspace")
        data: dict[str, Any] = installation.to_dict()
        for name in SECRET_FIELDS:
            if data.get(name):
                data[name] = self.cipher.encrypt(str(data[name]).encode()).decode()
        workspace = self.workspace(installation.enterprise_id, installation.team_id, installation.is_enterprise_install)
        with self._lock:
            self.history.save_installation("slack", workspace, json.dumps(data, default=str))
        self._changed(workspace)

    def save_bot(self, bot: Bot) -> None:
        pass  # save() keeps the whole installation, the bot's token with it

    def find_installation(self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None,
                          is_enterprise_install: bool | None = False) -> Installation | None:
        if user_id is not None:
            return None  # one installation a workspace, the bot's: no person's own token is kept
        raw = self.history.installation("slack", self.workspace(enterprise_id, team_id, is_enterprise_install))
        if raw is None:
            return None
        data = json.loads(raw)
        try:
            for name in SECRET_FIELDS:
                if data.get(name):
                    data[name] = self.cipher.decrypt(data[name].encode()).decode()
        except InvalidToken:
            log.error("the stored Slack installation of %s was encrypted with another key; reinstall the app there",
                      team_id or enterprise_id)
            return None
        return Installation(**data)

    def find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                 is_enterprise_install: bool | None = False) -> Bot | None:
        installation = self.find_installation(enterprise_id=enterprise_id, team_id=team_id,
                                              is_enterprise_install=is_enterprise_install)
        return installation.to_bot() if installation is not None and installation.bot_token else None

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._delete_row(self.workspace(enterprise_id, team_id))

    def delete_installation(self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None) -> None:
        if user_id is None:  # one person's own token revoked leaves the workspace's installation alone
            self._delete_row(self.workspace(enterprise_id, team_id))

    def _delete_row(self, workspace: str) -> None:
        """Only the installation (its token): what the workspace's people said stays."""
        self.history.delete_installation("slack", workspace)
        self._changed(workspace)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        workspace = self.workspace(enterprise_id, team_id)
        self.history.forget_workspace("slack", workspace)
        self._changed(workspace)

    def _changed(self, workspace: str) -> None:
        if self.on_change is not None:
            self.on_change(workspace)


def oauth_settings(settings: SlackSettings, history: HistoryStore) -> OAuthSettings:
    """Bolt's OAuth flow for `settings` (client id, secret and token key all needed)."""
    missing = [name for name, value in (("SLACK_CLIENT_SECRET", settings.client_secret), ("SLACK_TOKEN_KEY", settings.token_key),
                                         ("SLACK_SIGNING_SECRET", settings.signing_secret)) if value is None]
    if missing:
        raise ChatrecError(f"Installing in many workspaces (slack.client_id is set) needs {', '.join(missing)} too.")
    assert settings.client_secret is not None and settings.token_key is not None
    secret = settings.client_secret.get_secret_value()
    return OAuthSettings(
        client_id=settings.client_id, client_secret=secret, scopes=settings.scopes,
        installation_store=EncryptedInstallationStore(history, settings.token_key.get_secret_value()),
        # Signed, self-contained states: any replica can check one, no table to share.
        state_store=StatelessOAuthStateStore(expiration_seconds=STATE_EXPIRES_S, signing_secret=secret),
        install_path=settings.install_path, redirect_uri_path=settings.redirect_path,
        user_scopes=[], installation_store_bot_only=True,  # the bot's token only, whatever the environment says
    )
