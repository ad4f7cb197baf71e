-- Statements of influx/cli.py, by name (db.sql("cli.NAME")).

-- name: checkpoint
CHECKPOINT;
