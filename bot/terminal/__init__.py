"""The terminal adapter: `chatrec chat` and `chatrec chat --script` (app.py)."""
