"""The offline planner: a chat model that maps messages to the tool calls an LLM would make."""
