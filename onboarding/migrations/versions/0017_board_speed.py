"""board speed: the board's order and search kept on the candidate row (sort_name, the
lower-cased name; search_text, name, email and institution), kept by triggers whatever
writes the row, with indexes that serve the board's order per phase and per country; and
board_counts, the number of candidates (not erased) per phase and country, kept by
triggers in the transaction of each change, so that the tabs and the pager read a few rows
instead of counting every candidate. On PostgreSQL the search uses a trigram index
(pg_trgm).

A later migration that recreates `candidates` or `users` on SQLite (batch "move and copy")
drops their triggers: it must create them again (see docs/pitfalls.md).

Revision ID: 0017_board_speed
Revises: 0016_relocation
Create Date: 2026-12-03 14:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_board_speed'
down_revision = '0016_relocation'
branch_labels = None
depends_on = None

# A candidate row's texts from its account, after it is written (SQLite's trigger body).
CANDIDATE_TEXTS = """BEGIN
         UPDATE candidates SET
           sort_name = (SELECT lower(name) FROM users WHERE id = NEW.user_id),
           search_text = (SELECT lower(name) || char(10) || lower(email) FROM users
                          WHERE id = NEW.user_id) || char(10) ||
                         lower(coalesce(NEW.origin_institution, ''))
         WHERE id = NEW.id;
       END"""

SQLITE_TRIGGERS = [
    # The candidate's texts: when the row is written, and when its account's name or email changes.
    f"CREATE TRIGGER candidates_texts_insert AFTER INSERT ON candidates {CANDIDATE_TEXTS}",
    "CREATE TRIGGER candidates_texts_update AFTER UPDATE OF user_id, origin_institution "
    f"ON candidates {CANDIDATE_TEXTS}",
    """CREATE TRIGGER users_texts_update AFTER UPDATE OF name, email ON users BEGIN
         UPDATE candidates SET
           sort_name = lower(NEW.name),
           search_text = lower(NEW.name) || char(10) || lower(NEW.email) || char(10) ||
                         lower(coalesce(origin_institution, ''))
         WHERE user_id = NEW.id;
       END""",
    # The counts: a candidate counts in (phase, country) while not erased.
    """CREATE TRIGGER candidates_count_insert AFTER INSERT ON candidates
       WHEN NEW.erased_at IS NULL BEGIN
         INSERT OR IGNORE INTO board_counts (phase, country_code, count)
           VALUES (NEW.phase, NEW.country_code, 0);
         UPDATE board_counts SET count = count + 1
           WHERE phase = NEW.phase AND country_code = NEW.country_code;
       END""",
    """CREATE TRIGGER candidates_count_update_old AFTER UPDATE OF phase, country_code, erased_at
       ON candidates WHEN OLD.erased_at IS NULL BEGIN
         UPDATE board_counts SET count = count - 1
           WHERE phase = OLD.phase AND country_code = OLD.country_code;
       END""",
    """CREATE TRIGGER candidates_count_update_new AFTER UPDATE OF phase, country_code, erased_at
       ON candidates WHEN NEW.erased_at IS NULL BEGIN
         INSERT OR IGNORE INTO board_counts (phase, country_code, count)
           VALUES (NEW.phase, NEW.country_code, 0);
         UPDATE board_counts SET count = count + 1
           WHERE phase = NEW.phase AND country_code = NEW.country_code;
       END""",
    """CREATE TRIGGER candidates_count_delete AFTER DELETE ON candidates
       WHEN OLD.erased_at IS NULL BEGIN
         UPDATE board_counts SET count = count - 1
           WHERE phase = OLD.phase AND country_code = OLD.country_code;
       END""",
]
SQLITE_TRIGGER_NAMES = [
    "candidates_texts_insert", "candidates_texts_update", "users_texts_update",
    "candidates_count_insert", "candidates_count_update_old", "candidates_count_update_new",
    "candidates_count_delete",
]

POSTGRESQL_FUNCTIONS = [
    """CREATE FUNCTION onthaal_candidate_texts() RETURNS trigger AS $$
       BEGIN
         SELECT lower(u.name), lower(u.name) || chr(10) || lower(u.email) || chr(10) ||
                lower(coalesce(NEW.origin_institution, ''))
           INTO NEW.sort_name, NEW.search_text
           FROM users u WHERE u.id = NEW.user_id;
         RETURN NEW;
       END $$ LANGUAGE plpgsql""",
    """CREATE FUNCTION onthaal_user_texts() RETURNS trigger AS $$
       BEGIN
         UPDATE candidates SET
           sort_name = lower(NEW.name),
           search_text = lower(NEW.name) || chr(10) || lower(NEW.email) || chr(10) ||
                         lower(coalesce(origin_institution, ''))
         WHERE user_id = NEW.id;
         RETURN NULL;
       END $$ LANGUAGE plpgsql""",
    """CREATE FUNCTION onthaal_board_counts() RETURNS trigger AS $$
       BEGIN
         IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.erased_at IS NULL THEN
           UPDATE board_counts SET count = count - 1
             WHERE phase = OLD.phase AND country_code = OLD.country_code;
         END IF;
         IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.erased_at IS NULL THEN
           INSERT INTO board_counts (phase, country_code, count)
             VALUES (NEW.phase, NEW.country_code, 1)
             ON CONFLICT (phase, country_code) DO UPDATE SET count = board_counts.count + 1;
         END IF;
         RETURN NULL;
       END $$ LANGUAGE plpgsql""",
]
POSTGRESQL_TRIGGERS = [
    """CREATE TRIGGER candidates_texts BEFORE INSERT OR UPDATE OF user_id, origin_institution
       ON candidates FOR EACH ROW EXECUTE FUNCTION onthaal_candidate_texts()""",
    """CREATE TRIGGER users_texts AFTER UPDATE OF name, email ON users
       FOR EACH ROW EXECUTE FUNCTION onthaal_user_texts()""",
    """CREATE TRIGGER candidates_counts AFTER INSERT OR DELETE OR UPDATE OF phase,
       country_code, erased_at ON candidates
       FOR EACH ROW EXECUTE FUNCTION onthaal_board_counts()""",
]

NOT_ERASED = sa.text("erased_at IS NULL")


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("candidates") as batch_op:
        batch_op.add_column(sa.Column("sort_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=True))
    op.create_table(
        "board_counts",
        sa.Column("phase", sa.String(length=30), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("phase", "country_code", name=op.f("pk_board_counts")),
    )
    # Fill what the triggers keep from now on.
    concat = "chr(10)" if postgresql else "char(10)"
    op.execute(
        "UPDATE candidates SET "
        "sort_name = (SELECT lower(name) FROM users WHERE users.id = candidates.user_id), "
        f"search_text = (SELECT lower(name) || {concat} || lower(email) FROM users "
        f"WHERE users.id = candidates.user_id) || {concat} || "
        "lower(coalesce(origin_institution, ''))"
    )
    op.execute(
        "INSERT INTO board_counts (phase, country_code, count) "
        "SELECT phase, country_code, count(*) FROM candidates WHERE erased_at IS NULL "
        "GROUP BY phase, country_code"
    )
    if postgresql:
        for statement in (*POSTGRESQL_FUNCTIONS, *POSTGRESQL_TRIGGERS):
            op.execute(statement)
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_candidates_search_trgm", "candidates", ["search_text"],
            postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"},
            # No pending list: after a bulk insert (an import) the planner's estimate of the
            # index stays sound, and the search keeps using it.
            postgresql_with={"fastupdate": "off"},
        )
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    op.create_index("ix_candidates_board_phase", "candidates", ["phase", "sort_name", "id"],
                    sqlite_where=NOT_ERASED, postgresql_where=NOT_ERASED)
    op.create_index("ix_candidates_board_country", "candidates",
                    ["country_code", "sort_name", "id"],
                    sqlite_where=NOT_ERASED, postgresql_where=NOT_ERASED)
    op.create_index("ix_candidates_board_name", "candidates", ["sort_name", "id"],
                    sqlite_where=NOT_ERASED, postgresql_where=NOT_ERASED)
    op.create_index("ix_candidates_board_since", "candidates", ["phase_entered_at", "id"],
                    sqlite_where=NOT_ERASED, postgresql_where=NOT_ERASED)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in ("ix_candidates_board_since", "ix_candidates_board_name",
                 "ix_candidates_board_country", "ix_candidates_board_phase"):
        op.drop_index(name, table_name="candidates")
    if postgresql:
        op.drop_index("ix_candidates_search_trgm", table_name="candidates")
        op.execute("DROP TRIGGER candidates_counts ON candidates")
        op.execute("DROP TRIGGER users_texts ON users")
        op.execute("DROP TRIGGER candidates_texts ON candidates")
        op.execute("DROP FUNCTION onthaal_board_counts()")
        op.execute("DROP FUNCTION onthaal_user_texts()")
        op.execute("DROP FUNCTION onthaal_candidate_texts()")
    else:
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("board_counts")
    with op.batch_alter_table("candidates") as batch_op:
        batch_op.drop_column("search_text")
        batch_op.drop_column("sort_name")
