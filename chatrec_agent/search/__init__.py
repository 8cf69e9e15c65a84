"""The search wing: the embedding model, the Chroma index and its vector-store clients."""
