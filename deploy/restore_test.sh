#!/usr/bin/env bash
# `make restore-test`: back up a freshly seeded database with backup.sh, restore the dump into a
# scratch database with restore.sh, and check that every table holds the same rows. Needs a
# PostgreSQL server (RESTORE_TEST_PG, default postgres://postgres@127.0.0.1:5432) where it may
# create and drop tutti_restore_src and tutti_restore_dst.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-$here/.venv/bin/python}"
server="${RESTORE_TEST_PG:-postgres://postgres@127.0.0.1:5432}"
source_db="tutti_restore_src"
target_db="tutti_restore_dst"
work="$(mktemp -d)"
cleanup() {
    psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $source_db WITH (FORCE)" >/dev/null 2>&1 || true
    psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $target_db WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
cleanup_first() { psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)"; }
cleanup_first "$source_db"
cleanup_first "$target_db"
mkdir -p "$work/media"

echo "== a database to back up: the demo and 200 generated families"
psql "$server/postgres" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $source_db"
export DEBUG=1
(cd "$here" && DATABASE_URL="$server/$source_db" "$python" manage.py migrate --no-input -v 0)
(cd "$here" && DATABASE_URL="$server/$source_db" "$python" manage.py seed_demo --families 200 -v 0)
echo "uploaded file" > "$work/media/sample.txt"

echo "== backup.sh"
BACKUP_DIR="$work/backup" DATABASE_URL="$server/$source_db?conn_max_age=60" MEDIA_ROOT="$work/media" \
    "$here/deploy/backup.sh"
dump="$(ls "$work"/backup/db/tutti-*.dump)"

echo "== restore.sh into $target_db"
"$here/deploy/restore.sh" "$dump" "$server/$target_db"

echo "== the restored database holds what was backed up"
count_rows() {
    psql "$server/$1" -At -v ON_ERROR_STOP=1 -c "
        SELECT string_agg(format('%s=%s', table_name,
               (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I', table_name), false, true, '')))[1]::text),
               ' ' ORDER BY table_name)
        FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
}
before="$(count_rows "$source_db")"
after="$(count_rows "$target_db")"
if [ "$before" != "$after" ]; then
    echo "restore-test: FAILED, row counts differ" >&2
    diff <(tr ' ' '\n' <<<"$before") <(tr ' ' '\n' <<<"$after") >&2 || true
    exit 1
fi
cmp "$work/media/sample.txt" "$work/backup/media/sample.txt"
tables="$(tr ' ' '\n' <<<"$after" | wc -l)"
echo "restore-test: OK, $tables tables with the same rows, uploaded files copied"
