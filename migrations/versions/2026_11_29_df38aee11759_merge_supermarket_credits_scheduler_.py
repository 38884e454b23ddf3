"""merge supermarket credits scheduler publications appraisal

Revision ID: df38aee11759
Revises: 2f80eda3fdbd, 5a7c1e9d2b40, db3e0e5364ed, ed39a8a07725
Create Date: 2026-11-29 17:34:31.138985

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'df38aee11759'
down_revision = ('2f80eda3fdbd', '5a7c1e9d2b40', 'db3e0e5364ed', 'ed39a8a07725')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
