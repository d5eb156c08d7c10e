"""Unbound extension objects; ``create_app`` binds them with ``init_app``."""

from __future__ import annotations

import sqlalchemy as sa
from flask_compress import Compress
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

from kb.api.base import Api
from kb.api.openapi import KbDocumentPlugin, KbMarshmallowPlugin

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention (needed for SQLite batch migrations)."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
compress = Compress()
api = Api(spec_kwargs={"marshmallow_plugin": KbMarshmallowPlugin(), "extra_plugins": [KbDocumentPlugin()]})
