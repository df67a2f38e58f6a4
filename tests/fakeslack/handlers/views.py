"""views.*: modals (a stack of at most 3 per user) and the Home tab (one view per user).

trigger_ids come from `FakeSlack.new_trigger_id()` and behave as Slack documents: usable
once (`exchanged_trigger_id`), within 3 seconds (`expired_trigger_id`), otherwise
`invalid_trigger_id`. A stale `hash` gives `hash_conflict`. Malformed views give
`invalid_arguments` with `[ERROR] ... [json-pointer:/view/...]` messages.
"""

from __future__ import annotations

import secrets
from typing import Any

from ..blockkit import check_view, view_too_large
from ..context import CallContext, SlackError, invalid_arguments
from ..records import Team, View
from ..state import TRIGGER_TTL_SECONDS, SlackState

MAX_STACK = 3


def new_hash(state: SlackState) -> str:
    return f"{int(state.clock.wall())}.{secrets.token_hex(4)}"


def checked_view(ctx: CallContext, *, kind: str, replacing: View | None = None) -> dict[str, Any]:
    """The `view` argument, checked against §5; `replacing` may keep its own external_id."""
    view = ctx.json_arg("view")
    if not isinstance(view, dict):
        raise invalid_arguments("must be an object [json-pointer:/view]")
    if view_too_large(view):
        raise SlackError("view_too_large")
    violations = [str(v) for v in check_view(view)]
    if view.get("type") != kind:
        violations.append("must be a valid enum value [json-pointer:/view/type]")
    if violations:
        raise invalid_arguments(*violations)
    external_id = view.get("external_id")
    if external_id and any(
        v.payload.get("external_id") == external_id and v.team.id == ctx.bot_team.id
        for v in _live_views(ctx.state)
        if v is not replacing
    ):
        raise SlackError("duplicate_external_id")
    return view


def _live_views(state: SlackState) -> list[View]:
    ids = [v for stack in state.view_stacks.values() for v in stack]
    return [state.views[v] for v in [*ids, *state.home_views.values()]]


def _trigger_reaches(state: SlackState, trigger_team: str | None, bot_team: str) -> bool:
    """A trigger works for the installation of its own team, or, in Slack Connect, for the
    installation of a team it shares a channel with (the external user acted there)."""
    if trigger_team in (None, bot_team):
        return True
    return any(
        {channel.team_id, *channel.shared_with} >= {trigger_team, bot_team}
        for channel in state.channels.values()
    )


def _use_trigger(ctx: CallContext) -> str:
    """Exchange the trigger_id once; return the user it was issued for."""
    trigger_id = ctx.str_arg("trigger_id") or ctx.str_arg("interactivity_pointer")
    if trigger_id is None:
        raise invalid_arguments("missing required field: trigger_id [json-pointer:/trigger_id]")
    trigger = ctx.state.triggers.get(trigger_id)
    if trigger is None or not _trigger_reaches(ctx.state, trigger.team_id, ctx.bot_team.id):
        raise SlackError("invalid_trigger_id")
    if trigger.used:
        raise SlackError("exchanged_trigger_id")
    if ctx.state.clock.now() - trigger.issued_at > TRIGGER_TTL_SECONDS:
        raise SlackError("expired_trigger_id")
    trigger.used = True
    return trigger.user_id or ""


def _new_view(ctx: CallContext, team: Team, user: str, payload: dict[str, Any]) -> View:
    view = View(ctx.state.new_id("V"), team, user, payload, new_hash(ctx.state))
    ctx.state.views[view.id] = view
    return view


def views_open(ctx: CallContext) -> dict[str, Any]:
    payload = checked_view(ctx, kind="modal")
    user = _use_trigger(ctx)
    view = _new_view(ctx, ctx.bot_team, user, payload)
    ctx.state.view_stacks[user] = [view.id]
    return {"view": view.as_api()}


def views_push(ctx: CallContext) -> dict[str, Any]:
    payload = checked_view(ctx, kind="modal")
    user = _use_trigger(ctx)
    stack = ctx.state.view_stacks.get(user) or []
    if not stack:
        raise SlackError("not_found")
    if len(stack) >= MAX_STACK:
        raise SlackError("push_limit_reached")
    view = _new_view(ctx, ctx.bot_team, user, payload)
    view.root_view_id, view.previous_view_id = stack[0], stack[-1]
    stack.append(view.id)
    return {"view": view.as_api()}


def views_update(ctx: CallContext) -> dict[str, Any]:
    view_id, external_id = ctx.str_arg("view_id"), ctx.str_arg("external_id")
    if view_id is None and external_id is None:
        raise invalid_arguments("must provide view_id or external_id [json-pointer:/view_id]")
    live = [v for v in _live_views(ctx.state) if v.team.id == ctx.bot_team.id]
    view = next(
        (
            v
            for v in live
            if v.id == view_id or (external_id and v.payload.get("external_id") == external_id)
        ),
        None,
    )
    if view is None:
        raise SlackError("not_found")
    kind = str(view.payload.get("type"))
    if ctx.arg("hash") is not None and ctx.str_arg("hash") != view.hash:
        raise SlackError("hash_conflict")
    view.payload = checked_view(ctx, kind=kind, replacing=view)
    view.hash = new_hash(ctx.state)
    return {"view": view.as_api()}


def views_publish(ctx: CallContext) -> dict[str, Any]:
    if not ctx.state.home_tab_enabled:
        raise SlackError("not_enabled")
    team = ctx.bot_team
    user_id = ctx.str_arg("user_id") or ""
    user = ctx.state.users.get(user_id)
    if user is None or not ctx.state.user_visible(user, team.id):
        raise invalid_arguments("invalid user_id [json-pointer:/user_id]")
    current_id = ctx.state.home_views.get(user_id)
    current = ctx.state.views.get(current_id or "")
    if ctx.arg("hash") is not None and (current is None or ctx.str_arg("hash") != current.hash):
        raise SlackError("hash_conflict")
    if current is None:
        payload = checked_view(ctx, kind="home")
        current = _new_view(ctx, team, user_id, payload)
        ctx.state.home_views[user_id] = current.id
    else:
        current.payload = checked_view(ctx, kind="home", replacing=current)
        current.hash = new_hash(ctx.state)
    return {"view": current.as_api()}


def apply_submission_ack(state: SlackState, user: str, ack: dict[str, Any] | None) -> None:
    """What Slack does with the app's HTTP ack to a view_submission (CONTRACT.md §2)."""
    stack = state.view_stacks.get(user) or []
    if not stack:
        return
    action = (ack or {}).get("response_action")
    new_payload = (ack or {}).get("view")
    top = state.views[stack[-1]]
    if action is None:
        stack.pop()
    elif action == "clear":
        stack.clear()
    elif action == "update" and isinstance(new_payload, dict):
        top.payload, top.hash = new_payload, new_hash(state)
    elif action == "push" and isinstance(new_payload, dict) and len(stack) < MAX_STACK:
        pushed = View(state.new_id("V"), top.team, user, new_payload, new_hash(state))
        pushed.root_view_id, pushed.previous_view_id = stack[0], stack[-1]
        state.views[pushed.id] = pushed
        stack.append(pushed.id)


HANDLERS = {
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
}
