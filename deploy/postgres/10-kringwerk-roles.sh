#!/bin/sh
# The postgres image runs this once, when the data volume is first created
# (mounted at /docker-entrypoint-initdb.d by compose.yaml). roles.psql is not
# run by the image itself: it needs the variables given here.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-$POSTGRES_USER}" \
    -v database=kringwerk \
    -v owner_role=kringwerk_owner -v owner_password="$KRINGWERK_OWNER_PASSWORD" \
    -v app_role=kringwerk_app -v app_password="$KRINGWERK_APP_PASSWORD" \
    -f /docker-entrypoint-initdb.d/roles.psql
