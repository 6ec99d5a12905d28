"""Entity tags of resources and the precondition headers that name them (RFC 9110, 8.8.3, 13.1).

A resource's ETag is derived from what identifies one state of it: its kind, its id and its
version token (the row's version counter, which the UPDATE that changes the row increments; a
membership adds its user's, whose email and name it shows). It is never a hash of the serialized
body: that would cost a serialization per read and differ between representations of one row.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

ANY = "*"


def etag(resource: str, identity: str, version: str) -> str:
    """The strong, opaque entity tag of one version of a resource, quoted."""
    digest = hashlib.sha256(f"{resource}-{identity}-{version}".encode()).digest()[:16]
    return '"' + base64.urlsafe_b64encode(digest).rstrip(b"=").decode() + '"'


@dataclass(frozen=True, slots=True)
class EntityTags:
    """The tags of an If-Match or If-None-Match header: `*`, or a list of (possibly weak) tags."""

    any: bool
    strong: frozenset[str]
    weak: frozenset[str]

    @classmethod
    def parse(cls, header: str) -> EntityTags:
        """Parse a header value leniently: a member that is not a quoted tag is kept as written,
        and since every ETag is quoted, it never matches (an If-Match of garbage is a 412, an
        If-None-Match of garbage a 200)."""
        if header.strip() == ANY:
            return cls(any=True, strong=frozenset(), weak=frozenset())
        strong, weak = set(), set()
        for member in (part.strip() for part in header.split(",")):
            if member.startswith("W/"):
                weak.add(member[2:])
            elif member:
                strong.add(member)
        return cls(any=False, strong=frozenset(strong), weak=frozenset(weak))

    def match_strong(self, tag: str) -> bool:
        """If-Match: strong comparison (a weak tag never matches)."""
        return self.any or tag in self.strong

    def match_weak(self, tag: str) -> bool:
        """If-None-Match: weak comparison."""
        return self.any or tag in self.strong or tag in self.weak
