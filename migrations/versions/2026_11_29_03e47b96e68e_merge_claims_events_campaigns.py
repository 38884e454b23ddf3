"""merge claims events campaigns

Revision ID: 03e47b96e68e
Revises: 9639909b1249, c399ade6dc79, e22f2e55ac4b
Create Date: 2026-11-29 16:45:43.540180

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '03e47b96e68e'
down_revision = ('9639909b1249', 'c399ade6dc79', 'e22f2e55ac4b')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
