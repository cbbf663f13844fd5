"""Reading the emails tests receive: every email is multipart/alternative (plain text and
HTML, onboarding/services/mail.py); tests read the text a person reads in plain text."""


def text_of(message) -> str:
    """The text/plain part of a received message (policy.default), decoded."""
    return message.get_body(preferencelist=("plain",)).get_content()
