"""Property: the permission functions say what SPEC §1 says, over generated directories.

`test_tenancy_property.py` drives the services and the database and checks that nothing
leaks; this checks the pure rules of `core.rules.permissions` one by one, on unsaved model
objects, against the SPEC's own statements: who is involved in a ticket (the requester org
and every org it was assigned to, following the routing table and escalation), who may see
it, triage it, move its stage, escalate or de-escalate it, file for which org, and see or
delete which message. The expected answers are written from the SPEC, not from the code.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import Forbidden, NotFound
from core.models import Message, Organization, OrgKind, Ticket, TicketInvolvedOrg, User
from core.rules import permissions
from core.rules.stages import Stage, State

# --- generated directories -------------------------------------------------------------------


@dataclass
class Directory:
    orgs: list[Organization]
    users: list[User]

    @property
    def platform(self) -> Organization:
        return next(o for o in self.orgs if o.kind == OrgKind.PLATFORM)

    def org(self, org_id: int) -> Organization:
        return next(o for o in self.orgs if o.id == org_id)


ROLES = st.sampled_from([(False, False), (True, False), (False, True), (True, True)])


@st.composite
def directories(draw: st.DrawFn) -> Directory:
    """One platform, 1–3 partners with 0–2 sub-orgs each, 0–2 self-serve orgs; every org has
    1–3 people with generated roles (rep, admin)."""
    orgs = [Organization(id=1, slug="platform", name="Platform", kind=OrgKind.PLATFORM)]
    for _ in range(draw(st.integers(1, 3))):
        partner = Organization(
            id=len(orgs) + 1, slug=f"p{len(orgs)}", name="Partner", kind=OrgKind.PARTNER
        )
        orgs.append(partner)
        for _ in range(draw(st.integers(0, 2))):
            orgs.append(
                Organization(
                    id=len(orgs) + 1,
                    slug=f"s{len(orgs)}",
                    name="Sub-org",
                    kind=OrgKind.SUB_ORG,
                    parent_id=partner.id,
                )
            )
    for _ in range(draw(st.integers(0, 2))):
        orgs.append(
            Organization(
                id=len(orgs) + 1, slug=f"c{len(orgs)}", name="Self-serve", kind=OrgKind.SELF_SERVE
            )
        )
    users = []
    for org in orgs:
        for rep, admin in draw(st.lists(ROLES, min_size=1, max_size=3)):
            users.append(
                User(
                    id=len(users) + 1,
                    email=f"u{len(users) + 1}@example.org",
                    name="Someone",
                    org_id=org.id,
                    org=org,
                    is_support_rep=rep,
                    is_admin=admin,
                )
            )
    return Directory(orgs, users)


def first_assignee(directory: Directory, requester: Organization) -> Organization:
    """SPEC §1's routing table: a sub-org's tickets go to its parent partner; everyone
    else's (partners, self-serve, the platform filing for itself) go to the platform."""
    if requester.kind == OrgKind.SUB_ORG:
        assert requester.parent_id is not None
        return directory.org(requester.parent_id)
    return directory.platform


@st.composite
def worlds(draw: st.DrawFn) -> tuple[Directory, Ticket, set[int]]:
    """A directory and one ticket in it, with the involved orgs the SPEC implies: filed for a
    generated org, then perhaps escalated (partner → platform) and perhaps returned."""
    directory = draw(directories())
    requester = draw(st.sampled_from(directory.orgs))
    assigned = first_assignee(directory, requester)
    involved = {requester.id, assigned.id}
    escalated_from = None
    if assigned.kind == OrgKind.PARTNER and draw(st.booleans()):
        escalated_from, assigned = assigned, directory.platform
        involved.add(assigned.id)
        if draw(st.booleans()):  # de-escalated: back to the partner, which stays involved
            assigned, escalated_from = escalated_from, None
    ticket = Ticket(
        id=draw(st.integers(1, 10_000)),
        title="A ticket",
        stage=draw(st.sampled_from(list(Stage))),
        requester_org_id=requester.id,
        assigned_org_id=assigned.id,
        assigned_org=assigned,
        escalated_from_org_id=escalated_from.id if escalated_from else None,
        involved=[TicketInvolvedOrg(org_id=org_id) for org_id in sorted(involved)],
    )
    return directory, ticket, involved


# --- the rules ---------------------------------------------------------------------------------


@given(worlds())
def test_only_members_of_involved_orgs_see_a_ticket(world: tuple[Directory, Ticket, set[int]]):
    directory, ticket, involved = world
    requester = directory.org(ticket.requester_org_id)
    for user in directory.users:
        sees = permissions.can_view(user, ticket)
        assert sees == (user.org_id in involved)
        if not sees:  # indistinguishable from a ticket that does not exist
            with pytest.raises(NotFound):
                permissions.require_view(user, ticket)
            with pytest.raises(NotFound):
                permissions.require_triage(user, ticket, "change the owner")
            with pytest.raises(NotFound):
                permissions.require_change_stage(user, ticket, Stage.CANCELED)
        # A sub-org never sees another sub-org's tickets.
        if user.org.kind == OrgKind.SUB_ORG and requester.kind == OrgKind.SUB_ORG:
            assert sees == (user.org_id == requester.id)
        # The platform never sees a sub-org ticket that was not escalated to it.
        if user.org.kind == OrgKind.PLATFORM and requester.kind == OrgKind.SUB_ORG:
            ever_escalated = directory.platform.id in involved
            assert sees == ever_escalated


@given(worlds())
def test_reps_and_admins_of_the_assigned_org_triage(world: tuple[Directory, Ticket, set[int]]):
    directory, ticket, _ = world
    for user in directory.users:
        triager = user.org_id == ticket.assigned_org_id and (user.is_support_rep or user.is_admin)
        assert permissions.can_triage(user, ticket) == triager
        if permissions.can_view(user, ticket) and not triager:
            with pytest.raises(Forbidden, match="assigned org"):
                permissions.require_triage(user, ticket, "change the severity")


@given(worlds(), st.sampled_from(list(Stage)))
def test_stage_moves_triagers_any_the_requester_cancels_or_reopens(
    world: tuple[Directory, Ticket, set[int]], target: Stage
):
    directory, ticket, _ = world
    closed = Stage(ticket.stage).state == State.CLOSED
    for user in directory.users:
        if permissions.can_triage(user, ticket):
            expected = True
        elif user.org_id == ticket.requester_org_id:
            cancel = target == Stage.CANCELED and not closed
            reopen = target == Stage.WORK_IN_PROGRESS and closed
            expected = cancel or reopen
        else:
            expected = False
        assert permissions.can_change_stage(user, ticket, target) == expected
        if permissions.can_view(user, ticket) and not expected:
            with pytest.raises(Forbidden):
                permissions.require_change_stage(user, ticket, target)


@given(worlds())
def test_escalation_from_a_partner_and_back_from_the_platform(
    world: tuple[Directory, Ticket, set[int]],
):
    directory, ticket, _ = world
    assigned = directory.org(ticket.assigned_org_id)
    for user in directory.users:
        triager = permissions.can_triage(user, ticket)
        assert permissions.can_escalate(user, ticket) == (
            triager and assigned.kind == OrgKind.PARTNER
        )
        assert permissions.can_deescalate(user, ticket) == (
            triager
            and assigned.kind == OrgKind.PLATFORM
            and ticket.escalated_from_org_id is not None
        )


@given(directories())
def test_who_may_file_for_whom(directory: Directory):
    """Everyone for their own org; the platform for any org; a partner for its sub-orgs."""
    for user in directory.users:
        for org in directory.orgs:
            expected = (
                org.id == user.org_id
                or user.org.kind == OrgKind.PLATFORM
                or (user.org.kind == OrgKind.PARTNER and org.parent_id == user.org_id)
            )
            assert permissions.can_file_for(user, org) == expected
            if expected:
                permissions.require_file_for(user, org)
            else:
                with pytest.raises(Forbidden, match=f"not for {org.name}"):
                    permissions.require_file_for(user, org)
        others = [o for o in directory.orgs if o.id != user.org_id]
        if any(permissions.can_file_for(user, o) for o in others):
            assert permissions.may_file_for_others(user)
        if user.org.kind in (OrgKind.SUB_ORG, OrgKind.SELF_SERVE):
            assert not permissions.may_file_for_others(user)


@given(directories(), st.data())
def test_internal_notes_stay_in_the_authors_org_and_who_deletes(
    directory: Directory, data: st.DataObject
):
    author = data.draw(st.sampled_from(directory.users))
    internal = data.draw(st.booleans())
    message = Message(
        id=1, author_id=author.id, author_org_id=author.org_id, body="hi", is_internal=internal
    )
    for user in directory.users:
        same_org = user.org_id == author.org_id
        assert permissions.can_see_message(user, message) == (not internal or same_org)
        if user.id == author.id or (user.is_admin and same_org):
            permissions.require_delete_message(user, message)
        else:
            with pytest.raises(Forbidden):
                permissions.require_delete_message(user, message)
        if user.id != author.id:
            with pytest.raises(Forbidden):
                permissions.require_edit_message(user, message)
