"""`GET /me`: who the token acts as; the cheapest way to check a token works."""

from __future__ import annotations

from api.endpoint import Call, Endpoint
from api.schemas import Me
from api.views import org_ref, user_ref


async def me(call: Call) -> Me:
    return Me(
        user=user_ref(call.user),
        org=org_ref(call.user.org),
        roles=[role.value for role in call.user.roles],
    )


ENDPOINTS = [
    Endpoint(
        "GET", "/me", "getMe", "The user and org this token acts as", me, Me, "none", tag="account"
    ),
]
