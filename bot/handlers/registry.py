"""The one table from card verbs and typed commands to handlers. Each workflow module in
`bot/handlers/` registers its handlers next to their code with `@handles`; `bot/panel_bot.py`
looks them up. Each handler is parse (the card's refs and inputs) → one use case → render.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.actions import CardAction
from bot.desk import DeliveryDesk
from bot.identity import Asker
from bot.ports import Undelivered
from cards.common import Card
from cards.verbs import Verb
from panel.roster import Panel
from panel.usecases.common import Deps


@dataclass(frozen=True)
class Services:
    """What a handler may call: the use cases' dependencies, and the outbox's failures."""

    deps: Deps
    undelivered: Undelivered | None = None
    desk: DeliveryDesk | None = None  # where queued messages have got to (business support)


Handler = Callable[[Services, Asker, CardAction], Awaitable[Card]]
AfterSent = Callable[[Services, Asker, CardAction], Awaitable[None]]
TextHandler = Callable[[Services, Asker, tuple[Panel, ...]], Awaitable[Card]]
"""A typed command with no card verb, given the panels it is about: in a shared conversation
the conversation's (numbers only), in a 1:1 chat the person's."""


@dataclass(frozen=True)
class Registered:
    handler: Handler
    # After a replayed or refused action, the current state is shown with this verb's card
    # (what was typed goes back with it); None: the refusal is said in a plain message.
    view: Verb | None
    # Run with the sent message's id after a typed command's card went as a new message
    # (the chair's console is kept current where it is).
    after_sent: AfterSent | None = None
    # Typed, what follows the command goes in as this input, as typed ("find EHM-1234").
    argument: str = ""
    # About all the person's panels at once (my tasks, find): typed, no panel is asked for.
    across_panels: bool = False


HANDLERS: dict[Verb, Registered] = {}
COMMANDS: dict[str, Verb] = {}  # typed in a 1:1 chat: "my tasks", "agenda", ...
PERSONAL_TEXT: dict[str, TextHandler] = {}  # typed in a 1:1 chat, with no card verb
SHARED_TEXT: dict[str, TextHandler] = {}  # typed in a channel, group chat or meeting chat


def handles(
    verb: Verb,
    *,
    view: Verb | None = None,
    commands: tuple[str, ...] = (),
    after_sent: AfterSent | None = None,
    argument: str = "",
    across_panels: bool = False,
) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of `verb` (and of typed `commands`,
    followed by an `argument` when it names one)."""

    def register(handler: Handler) -> Handler:
        if verb in HANDLERS:
            raise RuntimeError(f"Two handlers for {verb}")
        HANDLERS[verb] = Registered(handler, view, after_sent, argument, across_panels)
        for command in commands:
            COMMANDS[command] = verb
        return handler

    return register


def text_command(*commands: str, shared: bool) -> Callable[[TextHandler], TextHandler]:
    """Register the decorated function for `commands` typed in a shared conversation, or
    (`shared=False`) in a 1:1 chat."""

    def register(handler: TextHandler) -> TextHandler:
        for command in commands:
            (SHARED_TEXT if shared else PERSONAL_TEXT)[command] = handler
        return handler

    return register
