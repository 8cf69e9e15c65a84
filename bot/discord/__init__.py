"""The Discord adapter (discord.py): app.py."""

from __future__ import annotations


class DiscordAdapter:
    name, title, owns_main_thread = "discord", "Discord", True

    @staticmethod
    def missing(settings) -> str | None:
        return None if settings.discord.token is not None else "DISCORD_TOKEN is not set; see the README's Discord section."

    @staticmethod
    def note(settings, port: int | None) -> str:
        return " (Ctrl-C to stop)."

    @staticmethod
    def serve(service, settings, host: str, port: int | None, ops) -> None:
        from bot.discord.app import serve

        serve(service, settings.discord)


ADAPTER = DiscordAdapter()
