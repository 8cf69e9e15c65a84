"""The store wing: what the bot remembers about people (history, feedback, identity links)."""
