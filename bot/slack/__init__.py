"""The Slack adapter: the Bolt app (app.py), installing in many workspaces (install.py), and the
app's manifest (manifest.yaml)."""

from __future__ import annotations


class SlackAdapter:
    name, title, owns_main_thread = "slack", "Slack", False

    @staticmethod
    def missing(settings) -> str | None:
        slack = settings.slack
        if not slack.configured:
            return "SLACK_BOT_TOKEN (or SLACK_CLIENT_ID, to install in many workspaces) is not set; see the README's Slack section."
        if slack.client_id and slack.app_token is not None:
            return "Installing in many workspaces (SLACK_CLIENT_ID) needs HTTP mode: unset SLACK_APP_TOKEN."
        if slack.app_token is None and slack.signing_secret is None:
            return "Set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode) as well as SLACK_BOT_TOKEN."
        return None

    @staticmethod
    def note(settings, port: int | None) -> str:
        return " over Socket Mode." if settings.slack.app_token else \
            f" over HTTP on port {port or settings.slack.port} at /slack/events (and /healthz, /metrics)."

    @staticmethod
    def serve(service, settings, host: str, port: int | None, ops) -> None:
        from bot.slack.app import serve

        serve(service, settings.slack, host, port, ops)


ADAPTER = SlackAdapter()
