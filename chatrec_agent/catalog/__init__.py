"""The catalog wing: the item model, loaders, the demo data, title linking and search filters.

The model is the package's face (`from chatrec_agent.catalog import Catalog, Item`);
`load_catalog` lives in `catalog.load`, above the loaders and the demo generator.
"""

from chatrec_agent.catalog.model import Catalog, Interaction, Item, ItemWords, genre_key, phrase_words

__all__ = ["Catalog", "Interaction", "Item", "ItemWords", "genre_key", "phrase_words"]
