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
    RootModel,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationInfo,
    field_validator,
)

from app.domain.countries import known_country
from app.domain.time_zones import known_time_zone
from app.domain.validators import canonical, no_spaces, reject_null


class ApiVersion(StrEnum):
    """
    A version of this API. One named schema, shared by the `X-API-Version` request parameter of every operation and the response header, so SDKs get one type for it.
    """

    field_2 = "2"


class Country(RootModel[StrictStr]):
    root: Annotated[
        StrictStr,
        Field(
            description="An ISO 3166-1 alpha-2 country code in upper case, e.g. `DE`. The server accepts the codes of the ISO 3166 list its tz database ships (tzdata's iso3166.tab); any other code gets 422 `validation_failed`.",
            examples=["DE"],
            max_length=2,
            min_length=2,
            pattern="^[A-Z]{2}$",
        ),
    ]


class CurrentUserUpdate(BaseModel):
    """
    Changes to the caller's own profile; omitted fields stay as they are. Changing the password requires `current_password` and ends every session of the user, the caller's own included.
    """

    model_config = ConfigDict(
        extra="forbid",
    )
    full_name: Annotated[
        StrictStr | None,
        Field(
            description="The new display name.", max_length=200, min_length=1, pattern="^[^\\x00]*$"
        ),
    ] = None
    password: Annotated[
        StrictStr | None,
        Field(
            description="The new password, 8 to 128 characters; needs `current_password`.",
            max_length=128,
            min_length=8,
        ),
    ] = None
    current_password: Annotated[
        StrictStr | None,
        Field(
            description="The caller's current password, required to change it.",
            max_length=128,
            min_length=1,
        ),
    ] = None

    @field_validator("current_password", "full_name", "password", mode="before")
    @classmethod
    def reject_null_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return reject_null(v, info)


class HealthStatus(StrEnum):
    """
    Whether a check (or all of them) passed. An overall `warn` means an optional dependency failed and the service still answers without it (the rate-limit store: limits then fail open).
    """

    pass_ = "pass"
    warn = "warn"
    fail = "fail"


class LoginRequest(BaseModel):
    """
    Credentials.
    """

    model_config = ConfigDict(
        extra="forbid",
    )
    email: Annotated[EmailStr, Field(description="The account's email.", max_length=254)]
    password: Annotated[
        StrictStr, Field(description="The account's password.", max_length=128, min_length=1)
    ]

    @field_validator("email", mode="before")
    @classmethod
    def no_spaces_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return no_spaces(v, info)

    @field_validator("email", mode="after")
    @classmethod
    def canonical_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return canonical(v, info)


class LogoutRequest(BaseModel):
    """
    The refresh token of the session to end.
    """

    model_config = ConfigDict(
        extra="forbid",
    )
    refresh_token: Annotated[
        StrictStr,
        Field(description="A refresh token of the session to end.", max_length=4096, min_length=1),
    ]


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
    role: Annotated[
        MemberRole, Field(description="The new role; admins cannot grant or change owner.")
    ]


class Organization(BaseModel):
    """
    A tenant; its members and sites are visible to its members only.
    """

    id: Annotated[UUID, Field(description="The organization's id.")]
    name: Annotated[StrictStr, Field(description="Display name.")]
    slug: Annotated[StrictStr, Field(description="Unique URL-friendly name.")]
    created_at: Annotated[AwareDatetime, Field(description="When it was created (UTC).")]
    updated_at: Annotated[AwareDatetime, Field(description="When it last changed (UTC).")]


class OrganizationCreate(BaseModel):
    """
    A new organization; the caller becomes its owner.
    """

    model_config = ConfigDict(
        extra="forbid",
    )
    name: Annotated[
        StrictStr,
        Field(description="Display name.", max_length=100, min_length=1, pattern="^[^\\x00]*$"),
    ]
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
    name: Annotated[
        StrictStr | None,
        Field(description="New display name.", max_length=100, min_length=1, pattern="^[^\\x00]*$"),
    ] = None
    slug: Annotated[
        StrictStr | None,
        Field(
            description="New unique URL-friendly name.",
            max_length=64,
            min_length=1,
            pattern="^[a-z0-9]+(?:-[a-z0-9]+)*$",
        ),
    ] = None

    @field_validator("name", "slug", mode="before")
    @classmethod
    def reject_null_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return reject_null(v, info)


class PageLinks(BaseModel):
    """
    Relative links through the list by cursor, keeping the other query parameters.
    """

    self: Annotated[StrictStr, Field(description="This page, with the query it was read with.")]
    next: Annotated[
        StrictStr | None, Field(description="The next page (by cursor); null when no items follow.")
    ]


class PageMeta(BaseModel):
    """
    Where the walk through the list stands. `total` is present only when the request asked for it with `include_total=true`.
    """

    per_page: Annotated[StrictInt, Field(description="The page size asked for.", ge=1, le=100)]
    next_cursor: Annotated[
        StrictStr | None,
        Field(
            description="Pass as `cursor` to read the next page in constant time, however deep; null when no items follow. Opaque unpadded base64url, bound to this listing's sort, filters and `per_page`.",
            max_length=1536,
            min_length=2,
            pattern="^(?:[A-Za-z0-9_-]{4})*[A-Za-z0-9_-]{2,4}$",
        ),
    ]
    total: Annotated[
        StrictInt | None,
        Field(
            description="Items in the whole list (only with include_total=true).",
            ge=0,
            le=9007199254740991,
        ),
    ] = None

    @field_validator("total", mode="before")
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
    refresh_token: Annotated[
        StrictStr,
        Field(
            description="The latest refresh token of the session; each works once.",
            max_length=4096,
            min_length=1,
        ),
    ]


class SelfLinks(BaseModel):
    """
    The canonical URL of the resource.
    """

    self: Annotated[StrictStr, Field(description="The resource's canonical URL, relative.")]


class SiteStatus(StrEnum):
    """
    Lifecycle of a site.
    """

    active = "active"
    paused = "paused"
    archived = "archived"


class TimeZone(RootModel[StrictStr]):
    root: Annotated[
        StrictStr,
        Field(
            description="An IANA time zone name, e.g. `Europe/Berlin`. The server accepts the names of the tz database it runs (release 2026.6), which `pattern` lists; any other name gets 422 `validation_failed`. New releases add names, so clients should treat this as an open string and not hard-code the list.",
            examples=["Europe/Berlin"],
            max_length=64,
            min_length=1,
            pattern="^(?:Africa/(?:Abidjan|Accra|Addis_Ababa|Algiers|Asmara|Asmera|Bamako|Bangui|Banjul|Bissau|Blantyre|Brazzaville|Bujumbura|Cairo|Casablanca|Ceuta|Conakry|Dakar|Dar_es_Salaam|Djibouti|Douala|El_Aaiun|Freetown|Gaborone|Harare|Johannesburg|Juba|Kampala|Khartoum|Kigali|Kinshasa|Lagos|Libreville|Lome|Luanda|Lubumbashi|Lusaka|Malabo|Maputo|Maseru|Mbabane|Mogadishu|Monrovia|Nairobi|Ndjamena|Niamey|Nouakchott|Ouagadougou|Porto-Novo|Sao_Tome|Timbuktu|Tripoli|Tunis|Windhoek)|America/(?:Adak|Anchorage|Anguilla|Antigua|Araguaina|Argentina/Buenos_Aires|Argentina/Catamarca|Argentina/ComodRivadavia|Argentina/Cordoba|Argentina/Jujuy|Argentina/La_Rioja|Argentina/Mendoza|Argentina/Rio_Gallegos|Argentina/Salta|Argentina/San_Juan|Argentina/San_Luis|Argentina/Tucuman|Argentina/Ushuaia|Aruba|Asuncion|Atikokan|Atka|Bahia|Bahia_Banderas|Barbados|Belem|Belize|Blanc-Sablon|Boa_Vista|Bogota|Boise|Buenos_Aires|Cambridge_Bay|Campo_Grande|Cancun|Caracas|Catamarca|Cayenne|Cayman|Chicago|Chihuahua|Ciudad_Juarez|Coral_Harbour|Cordoba|Costa_Rica|Coyhaique|Creston|Cuiaba|Curacao|Danmarkshavn|Dawson|Dawson_Creek|Denver|Detroit|Dominica|Edmonton|Eirunepe|El_Salvador|Ensenada|Fort_Nelson|Fort_Wayne|Fortaleza|Glace_Bay|Godthab|Goose_Bay|Grand_Turk|Grenada|Guadeloupe|Guatemala|Guayaquil|Guyana|Halifax|Havana|Hermosillo|Indiana/Indianapolis|Indiana/Knox|Indiana/Marengo|Indiana/Petersburg|Indiana/Tell_City|Indiana/Vevay|Indiana/Vincennes|Indiana/Winamac|Indianapolis|Inuvik|Iqaluit|Jamaica|Jujuy|Juneau|Kentucky/Louisville|Kentucky/Monticello|Knox_IN|Kralendijk|La_Paz|Lima|Los_Angeles|Louisville|Lower_Princes|Maceio|Managua|Manaus|Marigot|Martinique|Matamoros|Mazatlan|Mendoza|Menominee|Merida|Metlakatla|Mexico_City|Miquelon|Moncton|Monterrey|Montevideo|Montreal|Montserrat|Nassau|New_York|Nipigon|Nome|Noronha|North_Dakota/Beulah|North_Dakota/Center|North_Dakota/New_Salem|Nuuk|Ojinaga|Panama|Pangnirtung|Paramaribo|Phoenix|Port-au-Prince|Port_of_Spain|Porto_Acre|Porto_Velho|Puerto_Rico|Punta_Arenas|Rainy_River|Rankin_Inlet|Recife|Regina|Resolute|Rio_Branco|Rosario|Santa_Isabel|Santarem|Santiago|Santo_Domingo|Sao_Paulo|Scoresbysund|Shiprock|Sitka|St_Barthelemy|St_Johns|St_Kitts|St_Lucia|St_Thomas|St_Vincent|Swift_Current|Tegucigalpa|Thule|Thunder_Bay|Tijuana|Toronto|Tortola|Vancouver|Virgin|Whitehorse|Winnipeg|Yakutat|Yellowknife)|Antarctica/(?:Casey|Davis|DumontDUrville|Macquarie|Mawson|McMurdo|Palmer|Rothera|South_Pole|Syowa|Troll|Vostok)|Arctic/(?:Longyearbyen)|Asia/(?:Aden|Almaty|Amman|Anadyr|Aqtau|Aqtobe|Ashgabat|Ashkhabad|Atyrau|Baghdad|Bahrain|Baku|Bangkok|Barnaul|Beirut|Bishkek|Brunei|Calcutta|Chita|Choibalsan|Chongqing|Chungking|Colombo|Dacca|Damascus|Dhaka|Dili|Dubai|Dushanbe|Famagusta|Gaza|Harbin|Hebron|Ho_Chi_Minh|Hong_Kong|Hovd|Irkutsk|Istanbul|Jakarta|Jayapura|Jerusalem|Kabul|Kamchatka|Karachi|Kashgar|Kathmandu|Katmandu|Khandyga|Kolkata|Krasnoyarsk|Kuala_Lumpur|Kuching|Kuwait|Macao|Macau|Magadan|Makassar|Manila|Muscat|Nicosia|Novokuznetsk|Novosibirsk|Omsk|Oral|Phnom_Penh|Pontianak|Pyongyang|Qatar|Qostanay|Qyzylorda|Rangoon|Riyadh|Saigon|Sakhalin|Samarkand|Seoul|Shanghai|Singapore|Srednekolymsk|Taipei|Tashkent|Tbilisi|Tehran|Tel_Aviv|Thimbu|Thimphu|Tokyo|Tomsk|Ujung_Pandang|Ulaanbaatar|Ulan_Bator|Urumqi|Ust-Nera|Vientiane|Vladivostok|Yakutsk|Yangon|Yekaterinburg|Yerevan)|Atlantic/(?:Azores|Bermuda|Canary|Cape_Verde|Faeroe|Faroe|Jan_Mayen|Madeira|Reykjavik|South_Georgia|St_Helena|Stanley)|Australia/(?:ACT|Adelaide|Brisbane|Broken_Hill|Canberra|Currie|Darwin|Eucla|Hobart|LHI|Lindeman|Lord_Howe|Melbourne|NSW|North|Perth|Queensland|South|Sydney|Tasmania|Victoria|West|Yancowinna)|Brazil/(?:Acre|DeNoronha|East|West)|CET|CST6CDT|Canada/(?:Atlantic|Central|Eastern|Mountain|Newfoundland|Pacific|Saskatchewan|Yukon)|Chile/(?:Continental|EasterIsland)|Cuba|EET|EST|EST5EDT|Egypt|Eire|Etc/(?:GMT|GMT\\+0|GMT\\+1|GMT\\+10|GMT\\+11|GMT\\+12|GMT\\+2|GMT\\+3|GMT\\+4|GMT\\+5|GMT\\+6|GMT\\+7|GMT\\+8|GMT\\+9|GMT-0|GMT-1|GMT-10|GMT-11|GMT-12|GMT-13|GMT-14|GMT-2|GMT-3|GMT-4|GMT-5|GMT-6|GMT-7|GMT-8|GMT-9|GMT0|Greenwich|UCT|UTC|Universal|Zulu)|Europe/(?:Amsterdam|Andorra|Astrakhan|Athens|Belfast|Belgrade|Berlin|Bratislava|Brussels|Bucharest|Budapest|Busingen|Chisinau|Copenhagen|Dublin|Gibraltar|Guernsey|Helsinki|Isle_of_Man|Istanbul|Jersey|Kaliningrad|Kiev|Kirov|Kyiv|Lisbon|Ljubljana|London|Luxembourg|Madrid|Malta|Mariehamn|Minsk|Monaco|Moscow|Nicosia|Oslo|Paris|Podgorica|Prague|Riga|Rome|Samara|San_Marino|Sarajevo|Saratov|Simferopol|Skopje|Sofia|Stockholm|Tallinn|Tirane|Tiraspol|Ulyanovsk|Uzhgorod|Vaduz|Vatican|Vienna|Vilnius|Volgograd|Warsaw|Zagreb|Zaporozhye|Zurich)|Factory|GB|GB-Eire|GMT|GMT\\+0|GMT-0|GMT0|Greenwich|HST|Hongkong|Iceland|Indian/(?:Antananarivo|Chagos|Christmas|Cocos|Comoro|Kerguelen|Mahe|Maldives|Mauritius|Mayotte|Reunion)|Iran|Israel|Jamaica|Japan|Kwajalein|Libya|MET|MST|MST7MDT|Mexico/(?:BajaNorte|BajaSur|General)|NZ|NZ-CHAT|Navajo|PRC|PST8PDT|Pacific/(?:Apia|Auckland|Bougainville|Chatham|Chuuk|Easter|Efate|Enderbury|Fakaofo|Fiji|Funafuti|Galapagos|Gambier|Guadalcanal|Guam|Honolulu|Johnston|Kanton|Kiritimati|Kosrae|Kwajalein|Majuro|Marquesas|Midway|Nauru|Niue|Norfolk|Noumea|Pago_Pago|Palau|Pitcairn|Pohnpei|Ponape|Port_Moresby|Rarotonga|Saipan|Samoa|Tahiti|Tarawa|Tongatapu|Truk|Wake|Wallis|Yap)|Poland|Portugal|ROC|ROK|Singapore|Turkey|UCT|US/(?:Alaska|Aleutian|Arizona|Central|East-Indiana|Eastern|Hawaii|Indiana-Starke|Michigan|Mountain|Pacific|Samoa)|UTC|Universal|W-SU|WET|Zulu)$",
        ),
    ]


class TokenType(StrEnum):
    """
    Always `bearer`.
    """

    bearer = "bearer"


class User(BaseModel):
    """
    A person who can sign in.
    """

    id: Annotated[UUID, Field(description="The user's id.")]
    email: Annotated[
        EmailStr,
        Field(description="Unique; in its canonical form (see Emails in the API description)."),
    ]
    full_name: Annotated[StrictStr, Field(description="Display name.")]
    is_active: Annotated[StrictBool, Field(description="Inactive users cannot sign in.")]
    is_superadmin: Annotated[StrictBool, Field(description="Superadmins may do everything.")]
    created_at: Annotated[AwareDatetime, Field(description="When the user was created (UTC).")]
    updated_at: Annotated[AwareDatetime, Field(description="When the user last changed (UTC).")]

    @field_validator("email", mode="before")
    @classmethod
    def no_spaces_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return no_spaces(v, info)

    @field_validator("email", mode="after")
    @classmethod
    def canonical_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return canonical(v, info)


class UserCreate(BaseModel):
    """
    A new user (superadmins only).
    """

    model_config = ConfigDict(
        extra="forbid",
    )
    email: Annotated[
        EmailStr,
        Field(
            description="Sign-in email; unique in its canonical form (see Emails in the API description).",
            max_length=254,
        ),
    ]
    password: Annotated[
        StrictStr,
        Field(description="Initial password, 8 to 128 characters.", max_length=128, min_length=8),
    ]
    full_name: Annotated[
        StrictStr,
        Field(description="Display name.", max_length=200, min_length=1, pattern="^[^\\x00]*$"),
    ]
    is_active: Annotated[
        StrictBool | None, Field(description="Whether the user may sign in; `true` when omitted.")
    ] = None
    is_superadmin: Annotated[
        StrictBool | None,
        Field(description="Whether the user is a platform superadmin; `false` when omitted."),
    ] = None

    @field_validator("is_active", "is_superadmin", mode="before")
    @classmethod
    def reject_null_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return reject_null(v, info)

    @field_validator("email", mode="before")
    @classmethod
    def no_spaces_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return no_spaces(v, info)

    @field_validator("email", mode="after")
    @classmethod
    def canonical_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return canonical(v, info)


class UserEnvelope(BaseModel):
    """
    One user and its canonical URL.
    """

    data: Annotated[User, Field(description="The user.")]
    links: Annotated[SelfLinks, Field(description="The user's canonical URL.")]


class UserPage(BaseModel):
    """
    One page of users with paging metadata and links.
    """

    data: Annotated[
        list[User], Field(description="The items of this page, at most `per_page`.", max_length=100)
    ]
    meta: Annotated[PageMeta, Field(description="Where this page sits in the whole result.")]
    links: Annotated[
        PageLinks, Field(description="Links to this, the first, last, next and previous pages.")
    ]


class UserUpdate(BaseModel):
    """
    Changes to a user (superadmins only); omitted fields stay as they are.
    """

    model_config = ConfigDict(
        extra="forbid",
    )
    email: Annotated[
        EmailStr | None,
        Field(description="New sign-in email; unique in its canonical form.", max_length=254),
    ] = None
    full_name: Annotated[
        StrictStr | None,
        Field(description="New display name.", max_length=200, min_length=1, pattern="^[^\\x00]*$"),
    ] = None
    password: Annotated[
        StrictStr | None,
        Field(
            description="New password, 8 to 128 characters; ends the user's sessions.",
            max_length=128,
            min_length=8,
        ),
    ] = None
    is_active: Annotated[
        StrictBool | None, Field(description="`false` stops the user signing in.")
    ] = None
    is_superadmin: Annotated[
        StrictBool | None,
        Field(
            description="Grant or revoke superadmin rights (the platform keeps one active superadmin)."
        ),
    ] = None

    @field_validator("email", "full_name", "is_active", "is_superadmin", "password", mode="before")
    @classmethod
    def reject_null_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return reject_null(v, info)

    @field_validator("email", mode="before")
    @classmethod
    def no_spaces_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return no_spaces(v, info)

    @field_validator("email", mode="after")
    @classmethod
    def canonical_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return canonical(v, info)


class ValidationIssue(BaseModel):
    """
    One invalid input: a body field, named by `pointer` (an RFC 6901 JSON Pointer into the request body, `""` for the body as a whole), or a query, path or header parameter, named by `parameter`. Exactly one of the two is present.
    """

    pointer: Annotated[
        StrictStr | None,
        Field(
            description="RFC 6901 JSON Pointer to the invalid part of the request body, e.g. `/name`."
        ),
    ] = None
    parameter: Annotated[
        StrictStr | None,
        Field(
            description="The name of the invalid query, path or header parameter, e.g. `per_page`."
        ),
    ] = None
    detail: Annotated[StrictStr, Field(description="What is wrong with it, for people to read.")]
    type: Annotated[StrictStr, Field(description="A machine-readable error type.")]

    @field_validator("parameter", "pointer", mode="before")
    @classmethod
    def reject_null_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return reject_null(v, info)


class HealthCheck(BaseModel):
    """
    The result of checking one dependency.
    """

    name: Annotated[
        StrictStr, Field(description="The dependency checked, e.g. `database` or `redis`.")
    ]
    status: Annotated[
        HealthStatus, Field(description="Whether the dependency answered as it should.")
    ]
    latency_ms: Annotated[
        StrictFloat, Field(description="How long the check took, in milliseconds.", ge=0.0)
    ]
    detail: Annotated[
        StrictStr | None,
        Field(
            description="What the check found, for anyone to read: e.g. `at 0001`, `unreachable`, `timed out after 5 s`, `schema at 0001, this release expects 0002`. Never the driver's message, which goes to the log with the request id."
        ),
    ]


class HealthReport(BaseModel):
    """
    The overall status and each check.
    """

    status: Annotated[
        HealthStatus,
        Field(
            description="The overall result: `fail` when a required dependency failed, `warn` when only an optional one did."
        ),
    ]
    checks: Annotated[
        list[HealthCheck], Field(description="One result per dependency.", max_length=16)
    ]


class Member(BaseModel):
    """
    A user's membership of an organization.
    """

    user_id: Annotated[UUID, Field(description="The member's user id.")]
    email: Annotated[EmailStr, Field(description="The member's sign-in email.")]
    full_name: Annotated[StrictStr, Field(description="The member's display name.")]
    role: Annotated[MemberRole, Field(description="The member's role in this organization.")]
    joined_at: Annotated[AwareDatetime, Field(description="When the user became a member (UTC).")]

    @field_validator("email", mode="before")
    @classmethod
    def no_spaces_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return no_spaces(v, info)

    @field_validator("email", mode="after")
    @classmethod
    def canonical_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return canonical(v, info)


class MemberCreate(BaseModel):
    """
    Add an existing user, by email, with a role.
    """

    model_config = ConfigDict(
        extra="forbid",
    )
    email: Annotated[EmailStr, Field(description="The email of an existing user.", max_length=254)]
    role: Annotated[MemberRole, Field(description="The role to grant; admins cannot grant owner.")]

    @field_validator("email", mode="before")
    @classmethod
    def no_spaces_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return no_spaces(v, info)

    @field_validator("email", mode="after")
    @classmethod
    def canonical_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return canonical(v, info)


class MemberEnvelope(BaseModel):
    """
    One membership and its canonical URL.
    """

    data: Annotated[Member, Field(description="The membership.")]
    links: Annotated[SelfLinks, Field(description="The membership's canonical URL.")]


class MemberPage(BaseModel):
    """
    One page of members with paging metadata and links.
    """

    data: Annotated[
        list[Member],
        Field(description="The items of this page, at most `per_page`.", max_length=100),
    ]
    meta: Annotated[PageMeta, Field(description="Where this page sits in the whole result.")]
    links: Annotated[
        PageLinks, Field(description="Links to this, the first, last, next and previous pages.")
    ]


class OrganizationEnvelope(BaseModel):
    """
    One organization and its canonical URL.
    """

    data: Annotated[Organization, Field(description="The organization.")]
    links: Annotated[SelfLinks, Field(description="The organization's canonical URL.")]


class OrganizationPage(BaseModel):
    """
    One page of organizations with paging metadata and links.
    """

    data: Annotated[
        list[Organization],
        Field(description="The items of this page, at most `per_page`.", max_length=100),
    ]
    meta: Annotated[PageMeta, Field(description="Where this page sits in the whole result.")]
    links: Annotated[
        PageLinks, Field(description="Links to this, the first, last, next and previous pages.")
    ]


class Problem(BaseModel):
    """
    An RFC 9457 problem details document.
    """

    type: Annotated[StrictStr, Field(description="`urn:problem-type:<code>`.")]
    title: Annotated[StrictStr, Field(description="The HTTP status phrase.")]
    status: Annotated[StrictInt, Field(description="The HTTP status code.", ge=100, le=599)]
    detail: Annotated[StrictStr, Field(description="What went wrong, for humans.")]
    instance: Annotated[StrictStr, Field(description="The request path.")]
    code: Annotated[StrictStr, Field(description="A stable machine-readable error code.")]
    request_id: Annotated[StrictStr, Field(description="The request's X-Request-ID.")]
    errors: Annotated[
        list[ValidationIssue] | None,
        Field(
            description="The invalid inputs (validation errors only; at most the first 100).",
            max_length=100,
        ),
    ] = None

    @field_validator("errors", mode="before")
    @classmethod
    def reject_null_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return reject_null(v, info)


class Site(BaseModel):
    """
    A physical site of an organization.
    """

    id: Annotated[UUID, Field(description="The site's id.")]
    organization_id: Annotated[
        UUID, Field(description="The id of the organization the site belongs to.")
    ]
    name: Annotated[StrictStr, Field(description="Display name.")]
    address: Annotated[StrictStr | None, Field(description="Postal address, or null.")]
    timezone: Annotated[TimeZone, Field(description="The site's IANA time zone.")]
    country: Annotated[
        StrictStr | None,
        Field(
            description="The site's ISO 3166-1 alpha-2 country code; null for a site created through v1 and never given one.",
            pattern="^[A-Z]{2}$",
        ),
    ]
    status: Annotated[SiteStatus, Field(description="Where the site is in its lifecycle.")]
    created_at: Annotated[AwareDatetime, Field(description="When it was created (UTC).")]
    updated_at: Annotated[AwareDatetime, Field(description="When it last changed (UTC).")]

    @field_validator("timezone", mode="before")
    @classmethod
    def known_time_zone_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return known_time_zone(v, info)


class SiteCreate(BaseModel):
    """
    A new site.
    """

    model_config = ConfigDict(
        extra="forbid",
    )
    name: Annotated[
        StrictStr,
        Field(description="Display name.", max_length=200, min_length=1, pattern="^[^\\x00]*$"),
    ]
    address: Annotated[
        StrictStr | None,
        Field(description="Postal address, or null.", max_length=500, pattern="^[^\\x00]*$"),
    ] = None
    timezone: Annotated[TimeZone, Field(description="The site's IANA time zone.")]
    country: Annotated[Country, Field(description="The site's country.")]
    status: Annotated[
        SiteStatus | None, Field(description="The site's lifecycle state; `active` when omitted.")
    ] = None

    @field_validator("status", mode="before")
    @classmethod
    def reject_null_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return reject_null(v, info)

    @field_validator("timezone", mode="before")
    @classmethod
    def known_time_zone_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return known_time_zone(v, info)

    @field_validator("country", mode="before")
    @classmethod
    def known_country_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return known_country(v, info)


class SiteEnvelope(BaseModel):
    """
    One site and its canonical URL.
    """

    data: Annotated[Site, Field(description="The site.")]
    links: Annotated[SelfLinks, Field(description="The site's canonical URL.")]


class SitePage(BaseModel):
    """
    One page of sites with the cursor of the next.
    """

    data: Annotated[
        list[Site], Field(description="The items of this page, at most `per_page`.", max_length=100)
    ]
    meta: Annotated[
        PageMeta,
        Field(description="The page size, the next cursor and (when asked for) the total."),
    ]
    links: Annotated[PageLinks, Field(description="Links to this and the next page.")]


class SiteUpdate(BaseModel):
    """
    Changes to a site; omitted fields stay as they are, `address` may be set to null.
    """

    model_config = ConfigDict(
        extra="forbid",
    )
    name: Annotated[
        StrictStr | None,
        Field(description="New display name.", max_length=200, min_length=1, pattern="^[^\\x00]*$"),
    ] = None
    address: Annotated[
        StrictStr | None,
        Field(
            description="New postal address, or null to clear it.",
            max_length=500,
            pattern="^[^\\x00]*$",
        ),
    ] = None
    timezone: Annotated[TimeZone | None, Field(description="New IANA time zone.")] = None
    country: Annotated[Country | None, Field(description="New country.")] = None
    status: Annotated[SiteStatus | None, Field(description="New lifecycle state.")] = None

    @field_validator("country", "name", "status", "timezone", mode="before")
    @classmethod
    def reject_null_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return reject_null(v, info)

    @field_validator("timezone", mode="before")
    @classmethod
    def known_time_zone_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return known_time_zone(v, info)

    @field_validator("country", mode="before")
    @classmethod
    def known_country_validator(cls, v: Any, info: ValidationInfo) -> Any:
        return known_country(v, info)


class TokenPair(BaseModel):
    """
    A bearer access token and a refresh token. Each refresh token can be used once; presenting a used one again revokes every token of that session.
    """

    access_token: Annotated[
        StrictStr,
        Field(description="A short-lived JWT: send it as `Authorization: Bearer <token>`."),
    ]
    refresh_token: Annotated[
        StrictStr,
        Field(
            description="Single use: exchange it at /auth/refresh for a new pair, or end the session at /auth/logout."
        ),
    ]
    token_type: Annotated[TokenType, Field(description="How to send the access token.")]
    expires_in: Annotated[
        StrictInt, Field(description="Seconds until the access token expires.", ge=1, le=2147483647)
    ]


class TokenPairEnvelope(BaseModel):
    """
    A new token pair.
    """

    data: Annotated[TokenPair, Field(description="The new tokens.")]
    links: Annotated[SelfLinks, Field(description="The URL of the operation that issued them.")]


class HealthEnvelope(BaseModel):
    """
    A health report and the URL of the check.
    """

    data: Annotated[HealthReport, Field(description="The health report.")]
    links: Annotated[SelfLinks, Field(description="The URL of this check.")]


class HealthProblem(Problem):
    """
    A problem document that also lists every check.
    """

    checks: Annotated[
        list[HealthCheck], Field(description="One result per dependency.", max_length=16)
    ]
