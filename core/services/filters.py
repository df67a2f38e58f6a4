"""A parsed filter's names looked up: the org slug and the owner become ids.

One rule for every surface: an org slug that names no organization is a `ValidationError`
on `org` that names the slug and the fix (the API answers 422, Slack and the CLI print it),
never a silently empty list. An owner that is no user still matches nothing, as before: the
owner filter narrows the viewer's own tickets, and "nobody owns these" is a true answer.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound, ValidationError
from core.models import User
from core.rules.filters import ME, FilterSpec, TicketFilter
from core.services.loading import org_by_slug, user_by_email

# An id no row has: the owner filter of an e-mail no user has.
NO_SUCH_ID = -1


async def resolve_filter(
    session: AsyncSession, spec: FilterSpec, *, viewer: User | None
) -> TicketFilter:
    """`viewer` is who `owner=me` means (None: operator tools, which have no `me`)."""
    org_id = None
    if spec.org is not None:
        try:
            org_id = (await org_by_slug(session, spec.org)).id
        except NotFound as err:
            raise ValidationError(err.message, field="org") from None
    owner_id = None
    if spec.owner is not None:
        owner_id = await _owner_id(session, spec.owner, viewer)
    return TicketFilter(
        stages=spec.stages,
        states=spec.states,
        requester_org_id=org_id,
        owner_id=owner_id,
        severity=spec.severity,
        tag=spec.tag,
        since=spec.since,
    )


async def _owner_id(session: AsyncSession, owner: str, viewer: User | None) -> int:
    if owner.strip().lower() == ME:
        if viewer is None:
            raise ValidationError(
                "`owner=me` needs a signed-in user; give an e-mail.", field="owner"
            )
        return viewer.id
    try:
        return (await user_by_email(session, owner)).id
    except NotFound:
        return NO_SUCH_ID
