"""Developer tools: the sandbox wiring and the chat command that talks to it as a customer."""
