"""personal data: privacy notices, consents, document access log, data exports, purge log,
and on candidates the consent in force, an erasure request, a legal hold and the erasure

Consents given before this revision were not tied to a notice version: each becomes a
"given" row without a version, so the candidate is asked to accept the first published
notice at their next login.

Revision ID: 0010_personal_data
Revises: 0009_accounts
Create Date: 2026-12-02 04:28:28.873633

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_personal_data'
down_revision = '0009_accounts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('privacy_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('body_nl', sa.Text(), nullable=False),
    sa.Column('body_af', sa.Text(), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.Column('changes', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_privacy_notices_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_privacy_notices_published_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_notices')),
    sa.UniqueConstraint('version', name=op.f('uq_privacy_notices_version'))
    )
    with op.batch_alter_table('privacy_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_notices_published_at'), ['published_at'], unique=False)

    op.create_table('consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('share_with_companies', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('on_behalf', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint("action IN ('given', 'withdrawn')", name=op.f('ck_consents_action_allowed')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_consents_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_consents_candidate_id_candidates'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notice_id'], ['privacy_notices.id'], name=op.f('fk_consents_notice_id_privacy_notices'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents'))
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index('ix_consents_candidate_at', ['candidate_id', 'at'], unique=False)

    op.create_table('data_exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('for_user_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('stored_name', sa.String(length=80), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ready_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('downloaded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'ready', 'failed', 'expired')", name=op.f('ck_data_exports_status_allowed')),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_data_exports_candidate_id_candidates'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['for_user_id'], ['users.id'], name=op.f('fk_data_exports_for_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_data_exports_job_id_jobs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_data_exports_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_exports')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_data_exports_stored_name'))
    )
    with op.batch_alter_table('data_exports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_exports_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_exports_for_user_id'), ['for_user_id'], unique=False)

    op.create_table('data_purges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('rule', sa.String(length=40), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=True),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('files', sa.Integer(), nullable=False),
    sa.CheckConstraint("rule IN ('erasure', 'withdrawn', 'placed', 'rejected_document', 'unused_invitation', 'import_job', 'data_export', 'orphan_file')", name=op.f('ck_data_purges_rule_allowed')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_data_purges_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_data_purges_candidate_id_candidates'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_purges'))
    )
    with op.batch_alter_table('data_purges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_purges_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_purges_candidate_id'), ['candidate_id'], unique=False)

    op.create_table('document_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('document_kind', sa.String(length=40), nullable=True),
    sa.Column('viewer_id', sa.Integer(), nullable=True),
    sa.Column('viewer_role', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("action IN ('listed', 'downloaded')", name=op.f('ck_document_access_action_allowed')),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_document_access_candidate_id_candidates'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_access_document_id_documents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['viewer_id'], ['users.id'], name=op.f('fk_document_access_viewer_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_access'))
    )
    with op.batch_alter_table('document_access', schema=None) as batch_op:
        batch_op.create_index('ix_document_access_candidate_at', ['candidate_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_access_document_id'), ['document_id'], unique=False)

    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_notice_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('share_with_companies', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('consent_withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('erasure_requested_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('legal_hold_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('legal_hold_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('legal_hold_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_candidates_erased_at'), ['erased_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_candidates_consent_notice_id_privacy_notices'), 'privacy_notices', ['consent_notice_id'], ['id'], ondelete='RESTRICT')
        batch_op.create_foreign_key(batch_op.f('fk_candidates_legal_hold_by_id_users'), 'users', ['legal_hold_by_id'], ['id'], ondelete='SET NULL')

    candidates = sa.table(
        "candidates", sa.column("id", sa.Integer), sa.column("consent_at", sa.DateTime)
    )
    consents = sa.table(
        "consents",
        sa.column("candidate_id", sa.Integer),
        sa.column("action", sa.String),
        sa.column("share_with_companies", sa.Boolean),
        sa.column("at", sa.DateTime),
        sa.column("on_behalf", sa.Boolean),
    )
    op.get_bind().execute(
        consents.insert().from_select(
            ["candidate_id", "action", "share_with_companies", "at", "on_behalf"],
            sa.select(
                candidates.c.id,
                sa.literal("given"),
                sa.false(),
                candidates.c.consent_at,
                sa.false(),
            ).where(candidates.c.consent_at.is_not(None)),
        )
    )



def downgrade():
    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_candidates_legal_hold_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_candidates_consent_notice_id_privacy_notices'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_candidates_erased_at'))
        batch_op.drop_column('erased_at')
        batch_op.drop_column('legal_hold_by_id')
        batch_op.drop_column('legal_hold_at')
        batch_op.drop_column('legal_hold_reason')
        batch_op.drop_column('erasure_requested_at')
        batch_op.drop_column('consent_withdrawn_at')
        batch_op.drop_column('share_with_companies')
        batch_op.drop_column('consent_notice_id')

    with op.batch_alter_table('document_access', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_access_document_id'))
        batch_op.drop_index('ix_document_access_candidate_at')

    op.drop_table('document_access')
    with op.batch_alter_table('data_purges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_purges_candidate_id'))
        batch_op.drop_index(batch_op.f('ix_data_purges_at'))

    op.drop_table('data_purges')
    with op.batch_alter_table('data_exports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_exports_for_user_id'))
        batch_op.drop_index(batch_op.f('ix_data_exports_candidate_id'))

    op.drop_table('data_exports')
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index('ix_consents_candidate_at')

    op.drop_table('consents')
    with op.batch_alter_table('privacy_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_notices_published_at'))

    op.drop_table('privacy_notices')
