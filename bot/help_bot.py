"""A minimal Teams bot: answers `help` and nothing else yet."""

from __future__ import annotations

import re

from botbuilder.core import ActivityHandler, MessageFactory, TurnContext

HELP_TEXT = (
    "I run the Early Help panel's weekly cycle. Commands:\n"
    "- help: show this message\n"
    "- my tasks: what is waiting for you (coming soon)\n"
    "- new case: list a family for the next panel (coming soon)\n"
    "- agenda: the next panel's agenda (coming soon)"
)
NOT_UNDERSTOOD_TEXT = "I didn't understand that. Type help."

# In a channel Teams prefixes the text with the bot's @mention, e.g. "<at>Panel Bot</at> help".
_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)


def command_of(text: str | None) -> str:
    """The command a user typed: mentions dropped, whitespace collapsed, lower case."""
    return " ".join(_MENTION.sub(" ", text or "").split()).lower()


class HelpBot(ActivityHandler):  # type: ignore[misc]  # the Bot Framework SDK is untyped
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        command = command_of(turn_context.activity.text)
        reply = HELP_TEXT if command == "help" else NOT_UNDERSTOOD_TEXT
        await turn_context.send_activity(MessageFactory.text(reply))
