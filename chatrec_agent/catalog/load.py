"""Pick the loader for `catalog.format`: above both the file loaders and the demo generator."""

from __future__ import annotations

from chatrec_agent.catalog import demo, loaders
from chatrec_agent.catalog.model import Catalog, ItemWords
from chatrec_agent.settings import CatalogSettings

_LOADERS = {
    "demo": demo.load_demo_catalog,
    "csv": loaders.load_generic,
    "jsonl": loaders.load_generic,
    "movielens-100k": loaders.load_movielens_100k,
    "movielens-csv": loaders.load_movielens_csv,
}


def load_catalog(settings: CatalogSettings) -> Catalog:
    """Load the catalog named by the config, whatever its format."""
    catalog = _LOADERS[settings.format](settings)
    catalog.words = ItemWords(**settings.words.model_dump())
    return catalog
