"""The versions a request's repositories saw, and the If-Match they are held to.

Repositories note the version of each resource row they read or write (`seen`), and of each row
they lock for a change (`locked`). The runtime (app.contract.preconditions) tells the ledger
which resource the operation is about and the request's If-Match; `locked` compares it with the
locked row's version before the repository writes, so the comparison and the write happen under
one row lock, in one transaction: two writers with the same If-Match get one 200 and one 412.
The last version seen of the operation's resource becomes the response's ETag.
"""

from __future__ import annotations

from app.domain.errors import PreconditionFailed
from app.domain.etags import EntityTags, etag


class VersionLedger:
    """One request's view of resource versions."""

    __slots__ = ("checked", "if_match", "resource", "tags")

    def __init__(self) -> None:
        self.resource: str | None = None
        """The operation's x-resource: only its rows are held to If-Match."""
        self.if_match: EntityTags | None = None
        self.checked = False
        """Whether a locked row of the resource was compared with If-Match."""
        self.tags: dict[str, str] = {}
        """The ETag of the last row seen, per resource."""

    def wants(self, resource: str) -> bool:
        """Whether versions of this resource matter to the request (it is the operation's):
        repositories skip noting others, which may cost a look-up (a member's user)."""
        return resource == self.resource

    def seen(self, resource: str, identity: object, version: object) -> str:
        """Note the version of a row read or written; returns its ETag."""
        tag = etag(resource, str(identity), str(version))
        self.tags[resource] = tag
        return tag

    def locked(self, resource: str, identity: object, version: object) -> None:
        """Note a row locked for a change and hold it to If-Match: PreconditionFailed when the
        operation is about this resource and the If-Match names none of its current version."""
        tag = self.seen(resource, identity, version)
        if resource != self.resource or self.if_match is None:
            return
        self.checked = True
        if not self.if_match.match_strong(tag):
            raise PreconditionFailed()

    def must_lock(self, resource: str) -> bool:
        """Whether a write of this resource must lock and compare its row first (an If-Match
        applies to it); writes that need no comparison stay a single statement."""
        return resource == self.resource and self.if_match is not None

    def tag_of(self, resource: str) -> str | None:
        """The ETag of the last row of this resource seen."""
        return self.tags.get(resource)
