"""The conversation wing: the LangChain agent, its tools, language models and the offline planner."""
