# Generated from openapi/ by `make generate` (datamodel-code-generator); do not edit.

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationInfo,
    field_validator,
)

from app.api_runtime import reject_null


class CurrentUserUpdate(BaseModel):
    """
    Changes to the caller's own profile; omitted fields stay as they are. Changing the password requires `current_password` and ends every other session.
    """

    model_config = ConfigDict(
        extra="forbid",
    )
    full_name: Annotated[StrictStr | None, Field(max_length=200, min_length=1)] = None
    password: Annotated[StrictStr | None, Field(max_length=128, min_length=8)] = None
    current_password: Annotated[StrictStr | None, Field(max_length=128, min_length=1)] = None

    @field_validator("current_password", "full_name", "password", mode="before")
    @classmethod
    def reject_null_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return reject_null(v, info)


class FieldError(BaseModel):
    """
    One invalid input field.
    """

    field: Annotated[
        StrictStr, Field(description="Dotted location, e.g. `body.email` or `query.per_page`.")
    ]
    message: StrictStr
    type: Annotated[StrictStr, Field(description="A machine-readable error type.")]


class HealthStatus(StrEnum):
    """
    Whether a check (or all of them) passed.
    """

    pass_ = "pass"
    fail = "fail"


class LoginRequest(BaseModel):
    """
    Credentials.
    """

    model_config = ConfigDict(
        extra="forbid",
    )
    email: Annotated[EmailStr, Field(max_length=254)]
    password: Annotated[StrictStr, Field(max_length=128, min_length=1)]


class LogoutRequest(BaseModel):
    """
    The refresh token of the session to end.
    """

    model_config = ConfigDict(
        extra="forbid",
    )
    refresh_token: Annotated[StrictStr, Field(max_length=4096, min_length=1)]


class MemberRole(StrEnum):
    """
    owner: everything, including deleting the organization; admin: manage the organization, its sites and its non-owner members; member: read.
    """

    owner = "owner"
    admin = "admin"
    member = "member"


class MemberUpdate(BaseModel):
    """
    A member's new role.
    """

    model_config = ConfigDict(
        extra="forbid",
    )
    role: MemberRole


class Organization(BaseModel):
    """
    A tenant; its members and sites are visible to its members only.
    """

    id: UUID
    name: StrictStr
    slug: Annotated[StrictStr, Field(description="Unique URL-friendly name.")]
    created_at: AwareDatetime
    updated_at: AwareDatetime


class OrganizationCreate(BaseModel):
    """
    A new organization; the caller becomes its owner.
    """

    model_config = ConfigDict(
        extra="forbid",
    )
    name: Annotated[StrictStr, Field(max_length=100, min_length=1)]
    slug: Annotated[
        StrictStr | None,
        Field(
            description="Derived from the name (and made unique) when absent.",
            max_length=64,
            min_length=1,
            pattern="^[a-z0-9]+(?:-[a-z0-9]+)*$",
        ),
    ] = None

    @field_validator("slug", mode="before")
    @classmethod
    def reject_null_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return reject_null(v, info)


class OrganizationUpdate(BaseModel):
    """
    Changes to an organization; omitted fields stay as they are.
    """

    model_config = ConfigDict(
        extra="forbid",
    )
    name: Annotated[StrictStr | None, Field(max_length=100, min_length=1)] = None
    slug: Annotated[
        StrictStr | None, Field(max_length=64, min_length=1, pattern="^[a-z0-9]+(?:-[a-z0-9]+)*$")
    ] = None

    @field_validator("name", "slug", mode="before")
    @classmethod
    def reject_null_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return reject_null(v, info)


class PageLinks(BaseModel):
    """
    Relative links through the pages, keeping the other query parameters.
    """

    self: StrictStr
    first: StrictStr
    last: StrictStr
    next: Annotated[StrictStr | None, Field(description="null on the last page.")]
    prev: Annotated[StrictStr | None, Field(description="null on the first page.")]


class PageMeta(BaseModel):
    """
    Where this page sits in the whole result.
    """

    page: Annotated[StrictInt, Field(ge=1)]
    per_page: Annotated[StrictInt, Field(ge=1, le=100)]
    total: Annotated[StrictInt, Field(description="Items across all pages.", ge=0)]
    total_pages: Annotated[StrictInt, Field(ge=0)]


class Problem(BaseModel):
    """
    An RFC 9457 problem details document.
    """

    type: Annotated[StrictStr, Field(description="`urn:problem-type:<code>`.")]
    title: Annotated[StrictStr, Field(description="The HTTP status phrase.")]
    status: Annotated[StrictInt, Field(ge=100, le=599)]
    detail: Annotated[StrictStr, Field(description="What went wrong, for humans.")]
    instance: Annotated[StrictStr, Field(description="The request path.")]
    code: Annotated[StrictStr, Field(description="A stable machine-readable error code.")]
    request_id: Annotated[StrictStr, Field(description="The request's X-Request-ID.")]
    errors: Annotated[
        list[FieldError] | None, Field(description="The invalid fields (validation errors only).")
    ] = None

    @field_validator("errors", mode="before")
    @classmethod
    def reject_null_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return reject_null(v, info)


class RefreshRequest(BaseModel):
    """
    A refresh token to exchange for a new token pair.
    """

    model_config = ConfigDict(
        extra="forbid",
    )
    refresh_token: Annotated[StrictStr, Field(max_length=4096, min_length=1)]


class SelfLinks(BaseModel):
    """
    The canonical URL of the resource.
    """

    self: StrictStr


class SiteStatus(StrEnum):
    """
    Lifecycle of a site.
    """

    active = "active"
    inactive = "inactive"
    archived = "archived"


class SiteUpdate(BaseModel):
    """
    Changes to a site; omitted fields stay as they are, `address` may be set to null.
    """

    model_config = ConfigDict(
        extra="forbid",
    )
    name: Annotated[StrictStr | None, Field(max_length=200, min_length=1)] = None
    address: Annotated[StrictStr | None, Field(max_length=500)] = None
    timezone: Annotated[
        StrictStr | None, Field(description="An IANA time zone name.", max_length=64, min_length=1)
    ] = None
    status: SiteStatus | None = None

    @field_validator("name", "status", "timezone", mode="before")
    @classmethod
    def reject_null_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return reject_null(v, info)


class TokenType(StrEnum):
    """
    Always `bearer`.
    """

    bearer = "bearer"


class User(BaseModel):
    """
    A person who can sign in.
    """

    id: UUID
    email: Annotated[
        EmailStr, Field(description="Unique, compared case-insensitively; stored lowercased.")
    ]
    full_name: StrictStr
    is_active: Annotated[StrictBool, Field(description="Inactive users cannot sign in.")]
    is_superadmin: Annotated[StrictBool, Field(description="Superadmins may do everything.")]
    created_at: AwareDatetime
    updated_at: AwareDatetime


class UserCreate(BaseModel):
    """
    A new user (superadmins only).
    """

    model_config = ConfigDict(
        extra="forbid",
    )
    email: Annotated[EmailStr, Field(max_length=254)]
    password: Annotated[StrictStr, Field(max_length=128, min_length=8)]
    full_name: Annotated[StrictStr, Field(max_length=200, min_length=1)]
    is_active: StrictBool = True
    is_superadmin: StrictBool = False

    @field_validator("is_active", "is_superadmin", mode="before")
    @classmethod
    def reject_null_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return reject_null(v, info)


class UserEnvelope(BaseModel):
    data: User
    links: SelfLinks


class UserPage(BaseModel):
    data: list[User]
    meta: PageMeta
    links: PageLinks


class UserUpdate(BaseModel):
    """
    Changes to a user (superadmins only); omitted fields stay as they are.
    """

    model_config = ConfigDict(
        extra="forbid",
    )
    email: Annotated[EmailStr | None, Field(max_length=254)] = None
    full_name: Annotated[StrictStr | None, Field(max_length=200, min_length=1)] = None
    password: Annotated[StrictStr | None, Field(max_length=128, min_length=8)] = None
    is_active: StrictBool | None = None
    is_superadmin: StrictBool | None = None

    @field_validator("email", "full_name", "is_active", "is_superadmin", "password", mode="before")
    @classmethod
    def reject_null_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return reject_null(v, info)


class HealthCheck(BaseModel):
    """
    The result of checking one dependency.
    """

    name: StrictStr
    status: HealthStatus
    latency_ms: Annotated[StrictFloat, Field(ge=0.0)]
    detail: StrictStr | None


class HealthProblem(Problem):
    """
    A problem document that also lists every check.
    """

    checks: list[HealthCheck]


class HealthReport(BaseModel):
    """
    The overall status and each check.
    """

    status: HealthStatus
    checks: list[HealthCheck]


class Member(BaseModel):
    """
    A user's membership of an organization.
    """

    user_id: UUID
    email: EmailStr
    full_name: StrictStr
    role: MemberRole
    joined_at: AwareDatetime


class MemberCreate(BaseModel):
    """
    Add an existing user, by email, with a role.
    """

    model_config = ConfigDict(
        extra="forbid",
    )
    email: Annotated[EmailStr, Field(max_length=254)]
    role: MemberRole


class MemberEnvelope(BaseModel):
    data: Member
    links: SelfLinks


class MemberPage(BaseModel):
    data: list[Member]
    meta: PageMeta
    links: PageLinks


class OrganizationEnvelope(BaseModel):
    data: Organization
    links: SelfLinks


class OrganizationPage(BaseModel):
    data: list[Organization]
    meta: PageMeta
    links: PageLinks


class Site(BaseModel):
    """
    A physical site of an organization.
    """

    id: UUID
    organization_id: UUID
    name: StrictStr
    address: StrictStr | None
    timezone: Annotated[StrictStr, Field(description="An IANA time zone name.")]
    status: SiteStatus
    created_at: AwareDatetime
    updated_at: AwareDatetime


class SiteCreate(BaseModel):
    """
    A new site.
    """

    model_config = ConfigDict(
        extra="forbid",
    )
    name: Annotated[StrictStr, Field(max_length=200, min_length=1)]
    address: Annotated[StrictStr | None, Field(max_length=500)] = None
    timezone: Annotated[
        StrictStr, Field(description="An IANA time zone name.", max_length=64, min_length=1)
    ]
    status: SiteStatus = SiteStatus.active

    @field_validator("status", mode="before")
    @classmethod
    def reject_null_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return reject_null(v, info)


class SiteEnvelope(BaseModel):
    data: Site
    links: SelfLinks


class SitePage(BaseModel):
    data: list[Site]
    meta: PageMeta
    links: PageLinks


class TokenPair(BaseModel):
    """
    A bearer access token and a refresh token. Each refresh token can be used once; presenting a used one again revokes every token of that session.
    """

    access_token: StrictStr
    refresh_token: StrictStr
    token_type: TokenType
    expires_in: Annotated[
        StrictInt, Field(description="Seconds until the access token expires.", ge=1)
    ]


class TokenPairEnvelope(BaseModel):
    data: TokenPair
    links: SelfLinks


class HealthEnvelope(BaseModel):
    data: HealthReport
    links: SelfLinks
