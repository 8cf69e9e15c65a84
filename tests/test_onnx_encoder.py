"""The ONNX Runtime backends of the sentence encoder (issue 22, item 2): the same model,
exported once from the installed files; fp32 gives torch's vectors, int8 close ones."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chatrec_agent.errors import ChatrecError
from chatrec_agent.search import onnx_encoder
from chatrec_agent.search.embeddings import Embedder
from chatrec_agent.settings import EmbeddingSettings

from .conftest import film_records

QUERIES = ["a heist film with a clever twist", "something scary for tonight", "a feel-good family film", "space adventure",
           "a gritty crime drama", "romantic comedy", "a western", "animated fun for kids"]


@pytest.fixture(scope="module")
def backends(tmp_path_factory):
    cache = tmp_path_factory.mktemp("onnx-cache")
    return cache, {b: Embedder(EmbeddingSettings(backend=b), cache) for b in ("onnx", "onnx-int8")}


def documents() -> list[str]:
    return [f"{f['title']} ({f['year']}). {', '.join(f['genres'])}. {f['description']}" for f in film_records()]


def top(queries: np.ndarray, docs: np.ndarray, k: int) -> list[set[int]]:
    return [set(row) for row in np.argsort(-(queries @ docs.T), axis=1)[:, :k]]


def test_fp32_gives_torchs_vectors_and_int8_keeps_the_neighbours(backends):
    cache, encoders = backends
    docs = documents()
    torch = Embedder(EmbeddingSettings(backend="torch"))
    reference_docs, reference_queries = torch.encode(docs), torch.encode(QUERIES)
    fp32 = encoders["onnx"]
    got = fp32.encode(docs)
    assert got.shape == reference_docs.shape and got.dtype == np.float32
    assert float((got * reference_docs).sum(axis=1).min()) > 0.9999  # the same vectors
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert [len(fp32.encode(d)) for d in ([], ["one"])] == [0, 1]  # empty and single inputs
    int8 = encoders["onnx-int8"]
    close = (int8.encode(docs) * reference_docs).sum(axis=1)
    assert float(close.min()) > 0.95, close.min()
    want, found = top(reference_queries, reference_docs, 5), top(int8.encode(QUERIES), int8.encode(docs), 5)
    assert np.mean([len(a & b) / 5 for a, b in zip(want, found)]) >= 0.8
    # The order of the texts given is the order of the rows, whatever the batching by length.
    shuffled = docs[::-1]
    assert np.allclose(fp32.encode(shuffled, batch_size=3)[::-1], got, atol=1e-5)
    assert {p.name.rsplit("-", 1)[-1] for p in cache.glob("*.onnx")} == {"fp32.onnx", "int8.onnx"}


def test_an_export_is_made_once_and_reused(backends, monkeypatch):
    cache, _ = backends
    before = {p: p.stat().st_mtime_ns for p in cache.glob("*.onnx")}
    assert before

    def never(*args, **kwargs):
        raise AssertionError("exported again")

    monkeypatch.setattr(onnx_encoder, "export", never)
    again = Embedder(EmbeddingSettings(backend="onnx"), cache)
    assert again.encode(["a western"]).shape == (1, 384) and again.dimension == 384
    assert {p: p.stat().st_mtime_ns for p in cache.glob("*.onnx")} == before
    assert "onnxruntime" in again.device and "(onnx)" in again.model_name  # the index rebuilds on a change
    assert Embedder(EmbeddingSettings(backend="torch")).model_name != again.model_name
    assert "western" in again.vocabulary()


def test_a_model_the_onnx_backend_cannot_reproduce_is_refused_with_the_fix(tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    (model / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"}]))
    with pytest.raises(ChatrecError, match="backend: torch"):
        Embedder(EmbeddingSettings(model=str(model), backend="onnx"), tmp_path / "cache")
    with pytest.raises(ChatrecError, match="local folder"):
        Embedder(EmbeddingSettings(model="some-org/some-hub-model", backend="onnx-int8"), tmp_path / "cache")


def test_handing_the_arena_back_after_many_batches_changes_no_vector(backends):
    """The index calls release_memory after a sync: the encoder answers the same afterwards."""
    _, encoders = backends
    onnx = encoders["onnx"]
    docs = (documents() * 3)[:40]  # three batches of 16 at the default size
    together = onnx.encode(docs)
    onnx.release_memory()
    alone = np.stack([onnx.encode([d])[0] for d in docs])
    assert together.shape == (40, 384) and np.allclose(together, alone, atol=1e-5)
    onnx.release_memory()
    assert np.allclose(onnx.encode(docs[:3]), together[:3], atol=1e-5)
