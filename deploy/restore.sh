#!/usr/bin/env bash
# Restore a dump made by backup.sh into a database (created; it must not exist yet), then check it.
#   deploy/restore.sh /var/backups/tutti/db/tutti-20261201-023000.dump postgres://postgres@127.0.0.1:5432/tutti_restored
# The check: every migration of this code is applied, Django's checks pass against it, and the
# portal's main tables answer. Point DATABASE_URL at it (and MEDIA_ROOT at the copied files) to serve it.
set -euo pipefail
dump="${1:?usage: restore.sh DUMP POSTGRES_URL}"
target="${2:?usage: restore.sh DUMP POSTGRES_URL}"
target="${target%%\?*}"
name="${target##*/}"
server="${target%/*}"
here="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-$here/.venv/bin/python}"

psql "$server/postgres" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE \"$name\""
pg_restore --no-owner --exit-on-error --dbname="$target" "$dump"

export DATABASE_URL="$target" DEBUG="${DEBUG:-1}"
cd "$here"
"$python" manage.py migrate --check --no-input -v 0
"$python" manage.py check -v 0
"$python" manage.py shell -v 0 -c "
from extranet.base.models import Site, User
from families.models import Family
from students.models import Student
counts = {model.__name__: model.objects.count() for model in (Site, User, Family, Student)}
print('restored: ' + ', '.join(f'{name} {count}' for name, count in counts.items()))
"
