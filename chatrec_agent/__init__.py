"""chatrec's brain: catalog, embeddings, Chroma index, recommender, explanations and agent.

Knows nothing of Slack or Discord; the `bot` package is the platform edge.
"""

__version__ = "0.1.0"
