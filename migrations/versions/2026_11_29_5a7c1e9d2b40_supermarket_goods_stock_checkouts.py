"""The love supermarket: supermarkets and the villages they serve, goods, donors and donations,
stock movements, checkouts (receipts) and their lines.

Revision ID: 5a7c1e9d2b40
Revises: 03e47b96e68e
Create Date: 2026-11-29 17:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a7c1e9d2b40'
down_revision = '03e47b96e68e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('supermarkets',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('region_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['ledger_accounts.id'], name=op.f('fk_supermarkets_account_id_ledger_accounts')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_supermarkets_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supermarkets')),
    sa.UniqueConstraint('account_id', name=op.f('uq_supermarkets_account_id')),
    sa.UniqueConstraint('region_id', 'name', name=op.f('uq_supermarkets_region_id_name'))
    )
    with op.batch_alter_table('supermarkets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supermarkets_region_id'), ['region_id'], unique=False)

    op.create_table('checkouts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('supermarket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('household_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('total_points', sa.BigInteger(), nullable=False),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('voided_at', sa.DateTime(), nullable=True),
    sa.Column('void_reason', sa.String(length=200), nullable=True),
    sa.Column('void_actor', sa.String(length=64), nullable=True),
    sa.Column('void_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.CheckConstraint('total_points > 0', name=op.f('ck_checkouts_total_positive')),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'], name=op.f('fk_checkouts_entry_id_ledger_entries')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_checkouts_household_id_households')),
    sa.ForeignKeyConstraint(['supermarket_id'], ['supermarkets.id'], name=op.f('fk_checkouts_supermarket_id_supermarkets')),
    sa.ForeignKeyConstraint(['void_entry_id'], ['ledger_entries.id'], name=op.f('fk_checkouts_void_entry_id_ledger_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkouts')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_checkouts_entry_id')),
    sa.UniqueConstraint('key', name=op.f('uq_checkouts_key')),
    sa.UniqueConstraint('void_entry_id', name=op.f('uq_checkouts_void_entry_id'))
    )
    with op.batch_alter_table('checkouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkouts_household_id'), ['household_id'], unique=False)
        batch_op.create_index('ix_checkouts_supermarket_created', ['supermarket_id', 'created_at'], unique=False)

    op.create_table('donors',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('supermarket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['supermarket_id'], ['supermarkets.id'], name=op.f('fk_donors_supermarket_id_supermarkets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_donors')),
    sa.UniqueConstraint('supermarket_id', 'name', name=op.f('uq_donors_supermarket_id_name'))
    )
    with op.batch_alter_table('donors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_donors_supermarket_id'), ['supermarket_id'], unique=False)

    op.create_table('goods',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('supermarket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('initials', sa.String(length=100), nullable=False),
    sa.Column('photo', sa.String(length=200), nullable=True),
    sa.Column('price', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('monthly_limit', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('stock', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('monthly_limit IS NULL OR monthly_limit > 0', name=op.f('ck_goods_limit_positive')),
    sa.CheckConstraint('price > 0', name=op.f('ck_goods_price_positive')),
    sa.CheckConstraint('stock >= 0', name=op.f('ck_goods_stock_floor')),
    sa.ForeignKeyConstraint(['supermarket_id'], ['supermarkets.id'], name=op.f('fk_goods_supermarket_id_supermarkets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goods')),
    sa.UniqueConstraint('supermarket_id', 'name', name=op.f('uq_goods_supermarket_id_name'))
    )
    with op.batch_alter_table('goods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goods_initials'), ['initials'], unique=False)
        batch_op.create_index(batch_op.f('ix_goods_supermarket_id'), ['supermarket_id'], unique=False)

    op.create_table('supermarket_villages',
    sa.Column('supermarket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('village_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['supermarket_id'], ['supermarkets.id'], name=op.f('fk_supermarket_villages_supermarket_id_supermarkets')),
    sa.ForeignKeyConstraint(['village_id'], ['regions.id'], name=op.f('fk_supermarket_villages_village_id_regions')),
    sa.PrimaryKeyConstraint('supermarket_id', 'village_id', name=op.f('pk_supermarket_villages'))
    )
    with op.batch_alter_table('supermarket_villages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supermarket_villages_village_id'), ['village_id'], unique=False)

    op.create_table('checkout_lines',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('checkout_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('goods_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.Integer(), nullable=False),
    sa.Column('points', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_checkout_lines_quantity_positive')),
    sa.ForeignKeyConstraint(['checkout_id'], ['checkouts.id'], name=op.f('fk_checkout_lines_checkout_id_checkouts')),
    sa.ForeignKeyConstraint(['goods_id'], ['goods.id'], name=op.f('fk_checkout_lines_goods_id_goods')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkout_lines'))
    )
    with op.batch_alter_table('checkout_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkout_lines_checkout_id'), ['checkout_id'], unique=False)
        batch_op.create_index('ix_checkout_lines_goods', ['goods_id', 'checkout_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkout_lines_goods_id'), ['goods_id'], unique=False)

    op.create_table('donations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('supermarket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('donor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('goods_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('value_fen', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_donations_quantity_positive')),
    sa.CheckConstraint('value_fen >= 0', name=op.f('ck_donations_value_not_negative')),
    sa.ForeignKeyConstraint(['donor_id'], ['donors.id'], name=op.f('fk_donations_donor_id_donors')),
    sa.ForeignKeyConstraint(['goods_id'], ['goods.id'], name=op.f('fk_donations_goods_id_goods')),
    sa.ForeignKeyConstraint(['supermarket_id'], ['supermarkets.id'], name=op.f('fk_donations_supermarket_id_supermarkets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_donations'))
    )
    with op.batch_alter_table('donations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_donations_donor_id'), ['donor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_donations_goods_id'), ['goods_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_donations_supermarket_id'), ['supermarket_id'], unique=False)

    op.create_table('stock_movements',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('goods_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('donation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('checkout_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('quantity <> 0', name=op.f('ck_stock_movements_not_zero')),
    sa.ForeignKeyConstraint(['checkout_id'], ['checkouts.id'], name=op.f('fk_stock_movements_checkout_id_checkouts')),
    sa.ForeignKeyConstraint(['donation_id'], ['donations.id'], name=op.f('fk_stock_movements_donation_id_donations')),
    sa.ForeignKeyConstraint(['goods_id'], ['goods.id'], name=op.f('fk_stock_movements_goods_id_goods')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_movements'))
    )
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_movements_checkout_id'), ['checkout_id'], unique=False)
        batch_op.create_index('ix_stock_movements_goods_created', ['goods_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_movements_goods_created')
        batch_op.drop_index(batch_op.f('ix_stock_movements_checkout_id'))

    op.drop_table('stock_movements')
    with op.batch_alter_table('donations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_donations_supermarket_id'))
        batch_op.drop_index(batch_op.f('ix_donations_goods_id'))
        batch_op.drop_index(batch_op.f('ix_donations_donor_id'))

    op.drop_table('donations')
    with op.batch_alter_table('checkout_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkout_lines_goods_id'))
        batch_op.drop_index('ix_checkout_lines_goods')
        batch_op.drop_index(batch_op.f('ix_checkout_lines_checkout_id'))

    op.drop_table('checkout_lines')
    with op.batch_alter_table('supermarket_villages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supermarket_villages_village_id'))

    op.drop_table('supermarket_villages')
    with op.batch_alter_table('goods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goods_supermarket_id'))
        batch_op.drop_index(batch_op.f('ix_goods_initials'))

    op.drop_table('goods')
    with op.batch_alter_table('donors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_donors_supermarket_id'))

    op.drop_table('donors')
    with op.batch_alter_table('checkouts', schema=None) as batch_op:
        batch_op.drop_index('ix_checkouts_supermarket_created')
        batch_op.drop_index(batch_op.f('ix_checkouts_household_id'))

    op.drop_table('checkouts')
    with op.batch_alter_table('supermarkets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supermarkets_region_id'))

    op.drop_table('supermarkets')
