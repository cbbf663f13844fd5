"""The conversation per candidate: the thread pages of the candidate, the mentor and the
desk, the inbox, attachments, and the desk's group messages (services.conversations)."""
