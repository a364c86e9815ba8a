"""What staff do to a conversation: reply through the outbox, take it over, hand it back, notes.

Why the outbox: a staff reply takes the same road as the bot's (one set of retries, rate limits
and idempotency keys), so it reaches the customer on their own channel even if the platform is
down for a while, and its delivery status can be shown beside it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot import pipeline
from bot.events import Outbound
from models import Conversation, InternalNote, Message, OutboxMessage, utcnow

MAX_REPLY_LENGTH = 5000  # LINE's limit for one text message
MAX_NOTE_LENGTH = 5000


class ReplyError(ValueError):
    """A reply or note that cannot be sent or saved, and why."""


def send_staff_reply(session: Session, conversation: Conversation, text: str, staff_email: str) -> list[OutboxMessage]:
    """Queue staff's text to the conversation's address and record it in the history. A reply
    also takes the conversation over, so the bot does not answer the customer's next message."""
    text = text.strip()
    if not text:
        raise ReplyError("Write a reply first.")
    if len(text) > MAX_REPLY_LENGTH:
        raise ReplyError(f"A reply can have at most {MAX_REPLY_LENGTH} characters.")
    rows = pipeline.enqueue(session, conversation.channel, conversation.address, [Outbound(text)], purpose="reply",
                            customer_id=conversation.customer_id, conversation_id=conversation.id)
    for row in rows:
        for message in row.messages:
            session.add(Message(conversation_id=conversation.id, direction="out", kind="text", text=message["text"],
                                payload={"outbound": message, "staff": staff_email}, outbox_id=row.id))
    conversation.handled_by = "human"
    conversation.last_message_at = utcnow()
    return rows


def set_handler(conversation: Conversation, handled_by: str) -> None:
    if handled_by not in ("bot", "human"):
        raise ReplyError(f"handled_by must be bot or human, not {handled_by!r}")
    conversation.handled_by = handled_by


def add_note(session: Session, customer_id: int, conversation_id: int | None, author_id: int, text: str) -> InternalNote:
    text = text.strip()
    if not text:
        raise ReplyError("Write the note first.")
    if len(text) > MAX_NOTE_LENGTH:
        raise ReplyError(f"A note can have at most {MAX_NOTE_LENGTH} characters.")
    note = InternalNote(customer_id=customer_id, conversation_id=conversation_id, author_id=author_id, text=text)
    session.add(note)
    return note
