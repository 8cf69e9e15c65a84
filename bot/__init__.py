"""The platform edge: Slack (slack-bolt) and Discord (discord.py) adapters.

Only this package imports slack_bolt or discord. Each adapter turns platform events into
neutral messages for one shared chat service and renders its neutral replies.
"""
