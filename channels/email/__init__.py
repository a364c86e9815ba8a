"""Email: parsing, the SMTP/LMTP receiver, the IMAP poller, outbound SMTP and the local mail catcher."""
