"""Inbound payloads as Slack sends them: slash commands, interactivity, Events API envelopes.

`interactivity.py` builds what users trigger, `events.py` what Slack reports, `common.py`
what both carry.

Key sets follow the java-slack-sdk shape samples (`json-logs/samples/app-backend/*`,
`samples/events/*`) and bolt-python's fixtures (CONTRACT.md §6). trigger_ids and
response_urls come from the fake, so the app's follow-up calls are checked as well.
Builders take the `FakeSlack` to look up names, domains and the installation's bot user.
"""

from .common import API_APP_ID, VERIFICATION_TOKEN
from .events import (
    app_home_opened_event,
    app_uninstalled_event,
    event_callback,
    member_joined_channel_event,
    message_changed_event,
    message_deleted_event,
    message_event,
    reaction_event,
    socket_envelope,
    tokens_revoked_event,
)
from .interactivity import (
    block_actions,
    button,
    global_shortcut,
    message_shortcut,
    plain_input,
    selected_option,
    slash_command,
    static_choice,
    view_submission,
)

__all__ = [
    "API_APP_ID",
    "VERIFICATION_TOKEN",
    "app_home_opened_event",
    "app_uninstalled_event",
    "block_actions",
    "button",
    "event_callback",
    "global_shortcut",
    "member_joined_channel_event",
    "message_changed_event",
    "message_deleted_event",
    "message_event",
    "message_shortcut",
    "plain_input",
    "reaction_event",
    "selected_option",
    "slash_command",
    "socket_envelope",
    "static_choice",
    "tokens_revoked_event",
    "view_submission",
]
