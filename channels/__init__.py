"""One adapter per platform; each parses webhooks into `Inbound` and sends `Outbound`."""
