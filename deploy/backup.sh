#!/usr/bin/env bash
# Nightly backup: a custom-format dump of the database and a copy of the uploaded files.
#   BACKUP_DIR=/var/backups/tutti DATABASE_URL=postgres://… MEDIA_ROOT=/var/lib/tutti/media deploy/backup.sh
# Keeps BACKUP_KEEP_DAYS (default 14) of dumps; the files are synchronised (rsync keeps what the
# database may still name: uploaded files are never overwritten, only added).
set -euo pipefail
: "${BACKUP_DIR:?set BACKUP_DIR}" "${DATABASE_URL:?set DATABASE_URL}" "${MEDIA_ROOT:?set MEDIA_ROOT}"
keep_days="${BACKUP_KEEP_DAYS:-14}"
url="${DATABASE_URL%%\?*}"  # pg_dump does not know Django's ?conn_max_age=
stamp="$(date +%Y%m%d-%H%M%S)"
mkdir -p "$BACKUP_DIR/db" "$BACKUP_DIR/media"
pg_dump --format=custom --no-owner --file="$BACKUP_DIR/db/tutti-$stamp.dump.partial" "$url"
mv "$BACKUP_DIR/db/tutti-$stamp.dump.partial" "$BACKUP_DIR/db/tutti-$stamp.dump"
rsync -a "$MEDIA_ROOT/" "$BACKUP_DIR/media/"
find "$BACKUP_DIR/db" -name 'tutti-*.dump' -mtime +"$keep_days" -delete
echo "backup: $BACKUP_DIR/db/tutti-$stamp.dump and $BACKUP_DIR/media/"
