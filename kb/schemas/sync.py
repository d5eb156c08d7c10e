"""Full sync for offline apps: the arguments and the pages of ``GET /api/v1/sync``."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import ValidationError, fields, validate

from kb.schemas.article import ArticleSchema
from kb.schemas.details import Slug
from kb.schemas.entry import EntrySchema
from kb.schemas.fields import choice
from kb.schemas.locale import LocaleArgsSchema
from kb.schemas.procedures import ProcedureSchema, RulesSchema
from kb.sync import cursors


class CursorField(fields.String):
    """A ``next_cursor`` of an earlier page, loaded as a :class:`kb.sync.cursors.Cursor`."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> cursors.Cursor:
        return cursors.decode(super()._deserialize(value, attr, data, **kwargs))


class SyncArgsSchema(LocaleArgsSchema):
    cursor = CursorField(
        metadata={
            "minLength": 1,
            "maxLength": cursors.MAX_LENGTH,
            "description": "The `next_cursor` of your last page (it carries the locale chain): without it, "
            "an initial sync starts in the chain `locale` (else Accept-Language) gives",
            "pattern": "^[A-Za-z0-9_-]+$",
        },
    )
    limit = fields.Integer(
        load_default=50, validate=validate.Range(1, 200), metadata={"description": "Items per page"}
    )

    fallback = choice(
        "Fallback",
        ["chain", "none"],
        metadata={
            "description": "`none`: only items published in the requested locale itself (default chain)"
        },
    )

    procedure = fields.String(
        validate=Slug.validators,
        metadata={
            "description": "Sync only the content that applies to this procedure (slug), and the procedure "
            "itself with its rules; content that stops applying to it comes as a tombstone. Without cursor "
            "only: a cursor carries it"
        },
    )

    @ma.validates_schema
    def one_start(self, data: dict[str, Any], **_: Any) -> None:
        for name in ("locale", "fallback", "procedure"):
            if "cursor" in data and name in data:
                raise ValidationError(
                    "Not with cursor: a cursor carries the locale chain and procedure of its sync.",
                    field_name=name,
                )


def _typed(base: type[ma.Schema], type_: str) -> type[ma.Schema]:
    class Typed(base):  # type: ignore[valid-type, misc]
        type = fields.String(
            required=True,
            validate=validate.OneOf([type_]),
            metadata={"enum": [type_], "description": "Item type"},
        )

    Typed.__name__ = f"Sync{type_.capitalize()}Schema"
    return Typed


class ProcedureWithRulesSchema(ProcedureSchema):
    """A procedure as GET /api/v1/procedures/{slug} shows it, with its warning-sign rules."""

    rules = fields.Nested(
        RulesSchema,
        required=True,
        metadata={
            "description": "Its warning-sign rules as GET /api/v1/procedures/{slug}/rules gives them along "
            "the chain: evaluate them offline as the check does"
        },
    )


SyncEntrySchema = _typed(EntrySchema, "entry")
SyncArticleSchema = _typed(ArticleSchema, "article")
SyncProcedureSchema = _typed(ProcedureWithRulesSchema, "procedure")
_SCHEMAS = {"entry": SyncEntrySchema(), "article": SyncArticleSchema(), "procedure": SyncProcedureSchema()}


class SyncItemField(fields.Field):
    """An entry, an article or a procedure in its public detail shape, tagged with its ``type``."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return _SCHEMAS[value["type"]].dump(value)


class TombstoneSchema(ma.Schema):
    slug = fields.String(required=True)
    kind = fields.String(
        required=True,
        metadata={
            "description": "Entry kind, `article` or `procedure`: with the slug, what to drop (an entry kind "
            "names an entry)"
        },
    )
    locale = fields.String(required=True, metadata={"description": "The locale of the item's last change"})
    version = fields.Integer(required=True, metadata={"description": "The version in that locale"})


class SyncPageSchema(ma.Schema):
    data = fields.List(
        SyncItemField(
            metadata={
                "one_of": [SyncEntrySchema, SyncArticleSchema, SyncProcedureSchema],
                "discriminator": {
                    "propertyName": "type",
                    "mapping": {
                        "entry": SyncEntrySchema,
                        "article": SyncArticleSchema,
                        "procedure": SyncProcedureSchema,
                    },
                },
            }
        ),
        required=True,
        metadata={
            "description": "Items to store (replacing any copy with the same type and slug), each exactly as "
            "GET /api/v1/entries/{slug}, /api/v1/articles/{slug} or /api/v1/procedures/{slug} shows it along "
            "the chain (a procedure with its `rules`). A procedure comes again whenever its rules may have "
            "changed: with its own writes and with each change of an entry that applies to it"
        },
    )
    tombstones = fields.List(
        fields.Nested(TombstoneSchema),
        required=True,
        metadata={
            "description": "Items to drop: nothing of them is served along the chain any more (one you do "
            "not hold can be ignored); always empty in an initial sync"
        },
    )
    next_cursor = fields.String(required=True, metadata={"description": "Pass as `cursor` next time"})
    has_more = fields.Boolean(
        required=True,
        metadata={"description": "More pages now: ask again with next_cursor; false: you are up to date"},
    )
