"""The role table and the manage rule."""

from __future__ import annotations

import pytest

from app.domain.rbac import ROLE_PERMISSIONS, Permission, Role, holds, may_manage


def test_roles_are_nested() -> None:
    assert (
        ROLE_PERMISSIONS[Role.MEMBER] < ROLE_PERMISSIONS[Role.ADMIN] < ROLE_PERMISSIONS[Role.OWNER]
    )
    assert Permission.ORGANIZATIONS_DELETE in ROLE_PERMISSIONS[Role.OWNER]
    assert Permission.ORGANIZATIONS_DELETE not in ROLE_PERMISSIONS[Role.ADMIN]


def test_superadmin_holds_everything_and_signed_in_users_hold_basics() -> None:
    assert all(holds(permission, is_superadmin=True, role=None) for permission in Permission)
    assert holds(Permission.ORGANIZATIONS_CREATE, is_superadmin=False, role=None)
    assert not holds(Permission.SITES_READ, is_superadmin=False, role=None)


@pytest.mark.parametrize(
    ("actor", "target", "allowed"),
    [
        (Role.OWNER, Role.OWNER, True),
        (Role.ADMIN, Role.ADMIN, True),
        (Role.ADMIN, Role.MEMBER, True),
        (Role.ADMIN, Role.OWNER, False),
        (Role.MEMBER, Role.MEMBER, False),
        (None, Role.MEMBER, False),
    ],
)
def test_may_manage(actor: Role | None, target: Role, allowed: bool) -> None:
    assert may_manage(actor, target=target, is_superadmin=False) is allowed
    assert may_manage(actor, target=target, is_superadmin=True)
