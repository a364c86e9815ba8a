"""The omnichannel CRM chatbot: app factory, config, engine, pipeline, CLI."""
