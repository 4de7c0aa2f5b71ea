"""What the migrations make, without loading Alembic (``check_schema`` runs on every /healthz)."""

#: the newest revision in versions/ (tests/qa/test_qa_migrations.py checks it is Alembic's head)
HEAD_REVISION = "0003"
#: the ``hotline_schema`` version each revision leaves behind
SCHEMA_OF_REVISION = {"0001": 1, "0002": 2, "0003": 3}
