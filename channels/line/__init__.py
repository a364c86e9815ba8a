"""LINE: the Messaging API adapter, its webhook event parsing and its local stand-in."""
