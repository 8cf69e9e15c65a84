"""The language model behind the agent, chosen by `llm.provider` in config.yaml."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from chatrec_agent.catalog import Catalog
from chatrec_agent.catalog.attributes import AttributeVocabulary
from chatrec_agent.catalog.titles import TitleLinker
from chatrec_agent.errors import ChatrecError
from chatrec_agent.settings import LLMSettings


def describe_model(settings: LLMSettings) -> str:
    """Where replies come from, in words ("openai gpt-4o-mini at http://…"), for the terminal's
    banner and `chatrec doctor`; a password in base_url is left out."""
    if settings.provider == "offline":
        return "the offline planner (no language model configured: llm.provider offline)"
    name = f"{settings.provider} {settings.model or '(no llm.model set)'}"
    if settings.provider == "huggingface":
        return f"{name}, run locally"
    base_url = settings.base_url or ("http://localhost:11434" if settings.provider == "ollama" else None)
    return f"{name} at {_without_credentials(base_url)}" if base_url else f"{name} at the default endpoint"


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host  # IPv6
    return urlunsplit(parts._replace(netloc=f"{host}:{parts.port}" if parts.port else host))


def make_chat_model(settings: LLMSettings, catalog: Catalog, titles: TitleLinker | None = None,
                    attributes: AttributeVocabulary | None = None, encode=None, cache_dir=None):
    if settings.provider == "offline":
        from chatrec_agent.conversation.planner.model import OfflinePlanner

        return OfflinePlanner.for_catalog(catalog, titles, attributes, encode, cache_dir=cache_dir)
    if not settings.model:
        raise ChatrecError(f"llm.provider is {settings.provider}; set llm.model to the model's name.")
    key = settings.api_key.get_secret_value() if settings.api_key else None
    if settings.provider == "openai":
        try:
            from langchain_openai import ChatOpenAI
        except ImportError:
            raise ChatrecError("llm.provider openai needs `pip install langchain-openai`.") from None
        # Retries are the agent's (one policy for every provider), not the client's.
        return ChatOpenAI(model=settings.model, base_url=settings.base_url, api_key=key or "not-needed",
                          temperature=settings.temperature, timeout=settings.timeout_s, max_retries=0)
    if settings.provider == "ollama":
        try:
            from langchain_ollama import ChatOllama
        except ImportError:
            raise ChatrecError("llm.provider ollama needs `pip install langchain-ollama`.") from None
        return ChatOllama(model=settings.model, base_url=settings.base_url or "http://localhost:11434",
                          temperature=settings.temperature, client_kwargs={"timeout": settings.timeout_s})
    try:
        from langchain_huggingface import ChatHuggingFace, HuggingFacePipeline
    except ImportError:
        raise ChatrecError("llm.provider huggingface needs `pip install langchain-huggingface`.") from None
    pipeline = HuggingFacePipeline.from_model_id(
        model_id=settings.model, task="text-generation",
        pipeline_kwargs={"max_new_tokens": 512, "return_full_text": False},
    )
    tokenizer = pipeline.pipeline.tokenizer
    if tokenizer.pad_token_id is None:  # many chat models ship without one; pipelines need it
        tokenizer.pad_token_id = tokenizer.eos_token_id
    return ChatHuggingFace(llm=pipeline, tokenizer=tokenizer, model_id=settings.model)


def needs_speaker_labels(settings: LLMSettings) -> bool:
    """Whether the model reads who said what from a label in each message's text: a language
    model does (not every provider passes the message name on); the offline planner reads
    the words alone."""
    return settings.provider != "offline"
