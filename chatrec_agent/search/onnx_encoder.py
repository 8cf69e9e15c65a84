"""The sentence encoder run by ONNX Runtime instead of torch: the same model, exported once
from the installed files, optionally quantised to int8, several times faster on a CPU.

The export (torch's ONNX exporter, then onnxruntime's dynamic quantisation) runs on first use
and is cached as one file under the cache folder, named by the model's files and the
variant, so a restart loads it in a fraction of a second. Encoding follows what
sentence-transformers does for this kind of model: its own fast tokenizer (truncated at the
model's max_seq_length), mean or CLS pooling as its pooling config says, L2 normalisation.
Texts are batched by length, so a batch pads to its own longest text, not the corpus's.
(sentence-transformers' ONNX backend needs optimum, whose current release pins an older
transformers than this project runs on; this module is the part of it chatrec needs.)
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import tempfile
import threading
import warnings
from pathlib import Path

import numpy as np

from chatrec_agent.errors import ChatrecError

log = logging.getLogger(__name__)

INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def model_digest(model_dir: Path) -> str:
    """A short id of the model's weights and configs: a cached export of other weights is never used."""
    h = hashlib.sha256()
    for name in ("config.json", "modules.json", "sentence_bert_config.json", "1_Pooling/config.json", "tokenizer.json"):
        path = model_dir / name
        if path.exists():
            h.update(name.encode() + path.read_bytes())
    for weights in sorted(model_dir.glob("*.safetensors")) + sorted(model_dir.glob("*.bin")):
        stat = weights.stat()
        h.update(f"{weights.name}:{stat.st_size}".encode())
    return h.hexdigest()[:16]


class OnnxEncoder:
    """Encodes with an ONNX export of a sentence-transformers model folder (Transformer,
    Pooling and Normalize modules, as all-MiniLM-L6-v2 has)."""

    def __init__(self, model_dir: Path, cache_dir: Path, quantized: bool, threads: int | None = None):
        self.model_dir = model_dir
        self.quantized = quantized
        self.pooling, self.max_length = _read_config(model_dir)
        variant = "int8" if quantized else "fp32"
        self.path = cache_dir / f"{model_dir.name}-{model_digest(model_dir)}-{variant}.onnx"
        self.threads = threads or min(os.cpu_count() or 1, 8)
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()

    # --- loading -----------------------------------------------------------------------

    def _load(self):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        if not self.path.exists():
            export(self.model_dir, self.path, self.quantized)
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.log_severity_level = 3  # its warnings about unused initialisers are noise here
        session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        tokenizer.enable_truncation(self.max_length)
        tokenizer.enable_padding(pad_id=tokenizer.token_to_id("[PAD]") or 0)
        return session, tokenizer

    def _ready(self):
        with self._lock:
            if self._session is None:
                self._session, self._tokenizer = self._load()
            return self._session, self._tokenizer

    @functools.cached_property
    def dimension(self) -> int:
        config = json.loads((self.model_dir / "config.json").read_text())
        return int(config["hidden_size"])

    def vocabulary(self) -> dict[str, int]:
        return self._ready()[1].get_vocab()

    # --- encoding ------------------------------------------------------------------------

    def encode(self, texts: list[str], batch_size: int = 16) -> np.ndarray:
        """Normalised float32 vectors, one row per text, in the order given."""
        session, tokenizer = self._ready()
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")  # like lengths together: less padding
        for start in range(0, len(texts), batch_size):
            rows = order[start:start + batch_size]
            encodings = tokenizer.encode_batch([texts[i] for i in rows])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = session.run(None, {i.name: feeds[i.name] for i in session.get_inputs()})[0]
            if self.pooling == "cls":
                pooled = hidden[:, 0]
            else:
                weights = mask[..., None].astype(np.float32)
                pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            out[rows] = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return out

    def release_memory(self) -> None:
        """Hand back the memory ONNX Runtime's arena grew to for the longest batches (~100 MB
        after an index sync), which would otherwise stay beside what a reindex builds next. One
        short run with arena shrinkage does it; between queries the arena is kept, as reusing
        it is what makes one text fast."""
        if self._session is None:
            return
        import onnxruntime as ort

        shrink = ort.RunOptions()
        shrink.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        session, _ = self._ready()
        one = np.ones((1, 1), dtype=np.int64)
        feeds = {"input_ids": one, "attention_mask": one, "token_type_ids": np.zeros_like(one)}
        session.run(None, {i.name: feeds[i.name] for i in session.get_inputs()}, shrink)


def _read_config(model_dir: Path) -> tuple[str, int]:
    """(pooling: "mean" or "cls", max_seq_length) from the sentence-transformers config;
    a ChatrecError for a model this encoder can't reproduce."""
    modules = json.loads((model_dir / "modules.json").read_text()) if (model_dir / "modules.json").exists() else []
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    if not modules or any(k not in ("Transformer", "Pooling", "Normalize") for k in kinds):
        raise ChatrecError(f"The onnx embedding backend supports models of Transformer, Pooling and Normalize modules; "
                           f"{model_dir} has {kinds or 'no modules.json'}. Set embeddings.backend: torch.")
    pooling_file = next((model_dir / m["path"] / "config.json" for m in modules if m.get("type", "").endswith("Pooling")), None)
    pooling = json.loads(pooling_file.read_text()) if pooling_file and pooling_file.exists() else {"pooling_mode_mean_tokens": True}
    if pooling.get("pooling_mode_cls_token"):
        mode = "cls"
    elif pooling.get("pooling_mode_mean_tokens", False):
        mode = "mean"
    else:
        raise ChatrecError(f"The onnx embedding backend does mean or CLS pooling; {model_dir} asks for {pooling}. "
                           "Set embeddings.backend: torch.")
    bert_config = model_dir / "sentence_bert_config.json"
    max_length = json.loads(bert_config.read_text()).get("max_seq_length", 256) if bert_config.exists() else 256
    return mode, int(max_length)


def export(model_dir: Path, path: Path, quantized: bool) -> None:
    """The model's transformer as one ONNX file at `path` (int8 weights if `quantized`);
    written under another name and moved in place, so a reader never sees half a file."""
    import onnx
    import torch
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)  # the exporter's notes on ops this model lacks
    log.info("exporting %s to ONNX%s (once; cached at %s)", model_dir.name, " with int8 weights" if quantized else "", path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    sample = tokenizer(["a sample sentence to trace the model", "and another"], padding=True, return_tensors="pt")
    names = [name for name in INPUTS if name in sample]
    dims = {0: torch.export.Dim("batch"), 1: torch.export.Dim("sequence", max=4096)}
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        raw = Path(tmp) / "model.onnx"
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's deprecation notes are for its own authors
            program = torch.onnx.export(model, tuple(sample[n] for n in names), input_names=names,
                                        output_names=["last_hidden_state"], dynamic_shapes=tuple(dims for _ in names),
                                        dynamo=True, verbose=False)
        program.save(str(raw))
        done = Path(tmp) / "done.onnx"
        if quantized:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            # Weights only (the attention's activation-by-activation products stay float), per
            # output channel: of the recipes tried, the one that moved the vectors least.
            root, level = logging.getLogger(), logging.getLogger().level
            root.setLevel(logging.ERROR)  # it advises, on the root logger, a pre-processing step this model needs not
            try:
                quantize_dynamic(str(raw), str(done), weight_type=QuantType.QInt8, per_channel=True,
                                 op_types_to_quantize=["MatMul"], extra_options={"MatMulConstBOnly": True})
            finally:
                root.setLevel(level)
        else:
            onnx.save_model(onnx.load(str(raw)), str(done), save_as_external_data=False)  # one file, moved as one
        os.replace(done, path)
