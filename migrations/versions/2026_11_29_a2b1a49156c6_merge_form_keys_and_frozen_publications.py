"""merge form keys and frozen publications

Revision ID: a2b1a49156c6
Revises: 3e216c414c96, 7b3e9c2a4d15
Create Date: 2026-11-29 18:13:59.410210

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a2b1a49156c6'
down_revision = ('3e216c414c96', '7b3e9c2a4d15')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
