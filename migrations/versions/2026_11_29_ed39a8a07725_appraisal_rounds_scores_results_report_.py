"""Moral appraisal: rounds, criteria, scores, recusals, frozen results; indexes for the reports.

Revision ID: ed39a8a07725
Revises: 03e47b96e68e
Create Date: 2026-11-29 16:54:52.710997

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ed39a8a07725'
down_revision = '03e47b96e68e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('appraisal_rounds',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('village_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('cadence', sa.String(length=10), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('bonus_top', sa.Integer(), nullable=False),
    sa.Column('bonus_points', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('ledger_last_id', sa.BigInteger(), nullable=True),
    sa.Column('ledger_hash', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['village_id'], ['regions.id'], name=op.f('fk_appraisal_rounds_village_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisal_rounds')),
    sa.UniqueConstraint('village_id', 'cadence', 'period_start', name=op.f('uq_appraisal_rounds_village_id_cadence_period_start'))
    )
    op.create_table('appraisal_criteria',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('round_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['appraisal_rounds.id'], name=op.f('fk_appraisal_criteria_round_id_appraisal_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisal_criteria')),
    sa.UniqueConstraint('round_id', 'position', name=op.f('uq_appraisal_criteria_round_id_position'))
    )
    op.create_table('appraisal_results',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('round_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('household_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('numerator', sa.BigInteger(), nullable=False),
    sa.Column('denominator', sa.BigInteger(), nullable=False),
    sa.Column('scorers', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('bonus_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['bonus_entry_id'], ['ledger_entries.id'], name=op.f('fk_appraisal_results_bonus_entry_id_ledger_entries')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_appraisal_results_household_id_households')),
    sa.ForeignKeyConstraint(['round_id'], ['appraisal_rounds.id'], name=op.f('fk_appraisal_results_round_id_appraisal_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisal_results')),
    sa.UniqueConstraint('round_id', 'household_id', name=op.f('uq_appraisal_results_round_id_household_id'))
    )
    with op.batch_alter_table('appraisal_results', schema=None) as batch_op:
        batch_op.create_index('ix_appraisal_results_round_rank', ['round_id', 'rank'], unique=False)
    op.create_table('appraisal_recusals',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('village_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('household_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('declared_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_appraisal_recusals_household_id_households')),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_appraisal_recusals_member_id_users')),
    sa.ForeignKeyConstraint(['village_id'], ['regions.id'], name=op.f('fk_appraisal_recusals_village_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisal_recusals')),
    sa.UniqueConstraint('village_id', 'member_id', 'household_id', name=op.f('uq_appraisal_recusals_village_id_member_id_household_id'))
    )
    op.create_table('appraisal_scores',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('round_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('household_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('criterion_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['criterion_id'], ['appraisal_criteria.id'], name=op.f('fk_appraisal_scores_criterion_id_appraisal_criteria')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_appraisal_scores_household_id_households')),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_appraisal_scores_member_id_users')),
    sa.ForeignKeyConstraint(['round_id'], ['appraisal_rounds.id'], name=op.f('fk_appraisal_scores_round_id_appraisal_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisal_scores')),
    sa.UniqueConstraint('round_id', 'member_id', 'household_id', 'criterion_id', name=op.f('uq_appraisal_scores_round_id_member_id_household_id_criterion_id'))
    )
    with op.batch_alter_table('appraisal_scores', schema=None) as batch_op:
        batch_op.create_index('ix_appraisal_scores_round_household', ['round_id', 'household_id'], unique=False)

    # The reports read a period's entries of each household (and supermarket) account by kind:
    # covering indexes, so a county's year is read from the indexes alone, one seek per account.
    # Plain CREATE INDEX, never a batch (table copy): the ledger's append-only triggers stay.
    op.create_index(
        'ix_ledger_entries_to_kind_created', 'ledger_entries',
        ['to_account_id', 'kind', 'created_at', 'from_account_id', 'amount'], unique=False,
    )
    op.create_index(
        'ix_ledger_entries_from_kind_created', 'ledger_entries',
        ['from_account_id', 'kind', 'created_at', 'to_account_id', 'amount'], unique=False,
    )
    op.create_index(
        'ix_awards_household_created', 'awards',
        ['household_id', 'created_at', 'root_rule_id', 'points'], unique=False,
    )


def downgrade():
    op.drop_index('ix_awards_household_created', table_name='awards')
    op.drop_index('ix_ledger_entries_from_kind_created', table_name='ledger_entries')
    op.drop_index('ix_ledger_entries_to_kind_created', table_name='ledger_entries')
    with op.batch_alter_table('appraisal_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_appraisal_scores_round_household')
    op.drop_table('appraisal_scores')
    op.drop_table('appraisal_recusals')
    with op.batch_alter_table('appraisal_results', schema=None) as batch_op:
        batch_op.drop_index('ix_appraisal_results_round_rank')
    op.drop_table('appraisal_results')
    op.drop_table('appraisal_criteria')
    op.drop_table('appraisal_rounds')
