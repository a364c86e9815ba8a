"""The web endpoints that are neither console nor API: platform webhooks, unsubscribe links, metrics."""
