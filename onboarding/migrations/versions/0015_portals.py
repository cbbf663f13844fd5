"""portals for companies and partners: the roles company and partner (a contact tied to one
company or one partner organisation), sign-in links for company contacts (who have no
password), projects a company proposes and the desk approves, the partner directory
(listed, what a partner offers and seeks) and check-ins on started placements.

Revision ID: 0015_portals
Revises: 0014_partner_locale
Create Date: 2026-12-02 15:25:09

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_portals'
down_revision = '0014_partner_locale'
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('candidate', 'mentor', 'staff')"
NEW_ROLES = "role IN ('candidate', 'mentor', 'staff', 'company', 'partner')"
OLD_PURPOSES = "purpose IN ('invitation', 'reset')"
NEW_PURPOSES = "purpose IN ('invitation', 'reset', 'sign_in')"


def upgrade():
    op.create_table('placement_checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('day IN (30, 90)', name=op.f('ck_placement_checkins_day_allowed')),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_placement_checkins_rating_range')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_placement_checkins_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['placement_id'], ['placements.id'], name=op.f('fk_placement_checkins_placement_id_placements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement_checkins')),
    sa.UniqueConstraint('placement_id', 'day', 'author_id', name=op.f('uq_placement_checkins_placement_id'))
    )
    with op.batch_alter_table('placement_checkins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_checkins_placement_id'), ['placement_id'], unique=False)

    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('listed', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('offers', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('seeks', sa.Text(), nullable=True))

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approval', sa.String(length=20), server_default='approved', nullable=False))
        batch_op.add_column(sa.Column('proposed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_projects_proposed_by_id_users'), 'users', ['proposed_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint('approval_allowed', "approval IN ('pending', 'approved', 'declined')")

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('company_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('partner_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_partner_id'), ['partner_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_users_company_id_companies'), 'companies', ['company_id'], ['id'], ondelete='RESTRICT')
        batch_op.create_foreign_key(batch_op.f('fk_users_partner_id_partners'), 'partners', ['partner_id'], ['id'], ondelete='RESTRICT')
        batch_op.drop_constraint(batch_op.f('ck_users_role_allowed'), type_='check')
        batch_op.create_check_constraint('role_allowed', NEW_ROLES)
        batch_op.create_check_constraint('company_contact', "(role = 'company') = (company_id IS NOT NULL)")
        batch_op.create_check_constraint('partner_contact', "(role = 'partner') = (partner_id IS NOT NULL)")

    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_invitations_purpose_allowed'), type_='check')
        batch_op.create_check_constraint('purpose_allowed', NEW_PURPOSES)


def downgrade():
    op.execute("DELETE FROM invitations WHERE purpose = 'sign_in'")
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_invitations_purpose_allowed'), type_='check')
        batch_op.create_check_constraint('purpose_allowed', OLD_PURPOSES)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_users_partner_contact'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_users_company_contact'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_users_role_allowed'), type_='check')
        batch_op.create_check_constraint('role_allowed', OLD_ROLES)
        batch_op.drop_constraint(batch_op.f('fk_users_partner_id_partners'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_users_company_id_companies'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_partner_id'))
        batch_op.drop_index(batch_op.f('ix_users_company_id'))
        batch_op.drop_column('partner_id')
        batch_op.drop_column('company_id')

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_projects_approval_allowed'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_projects_proposed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('proposed_by_id')
        batch_op.drop_column('approval')

    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_column('seeks')
        batch_op.drop_column('offers')
        batch_op.drop_column('listed')

    with op.batch_alter_table('placement_checkins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placement_checkins_placement_id'))

    op.drop_table('placement_checkins')
