#!/usr/bin/env bash
# First start of the compose PostgreSQL only (the postgres image runs /docker-entrypoint-initdb.d/
# when the data volume is empty): the two databases the platform needs and their roles.
#
#   sdiot_auth   owned by sdiot_auth   (migrations + provisioning: `sdiot migrate auth`, `sdiot devices`)
#   emqx_auth    read-only login EMQX uses for authn/authz (ops/emqx/auth.hocon); SELECT only
#   sdiot_ingest owned by sdiot_ingest (the webhook tier and the forwarder)
#
# Passwords come from the container environment (compose.yml, from .env); none is stored here.
# A managed PostgreSQL gets the same statements from its operator (ops/RUNBOOK.md).
set -euo pipefail
: "${SDIOT_AUTH_DB_PASSWORD:?}" "${SDIOT_INGEST_DB_PASSWORD:?}" "${EMQX_AUTH_DB_PASSWORD:?}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v auth_pw="$SDIOT_AUTH_DB_PASSWORD" -v ingest_pw="$SDIOT_INGEST_DB_PASSWORD" \
  -v emqx_pw="$EMQX_AUTH_DB_PASSWORD" <<'SQL'
CREATE ROLE sdiot_auth LOGIN PASSWORD :'auth_pw';
CREATE ROLE sdiot_ingest LOGIN PASSWORD :'ingest_pw';
CREATE ROLE emqx_auth LOGIN PASSWORD :'emqx_pw';
CREATE DATABASE sdiot_auth OWNER sdiot_auth;
CREATE DATABASE sdiot_ingest OWNER sdiot_ingest;
-- Nobody but the owners (and EMQX's read-only role, on the auth DB) may connect.
REVOKE ALL ON DATABASE sdiot_auth FROM PUBLIC;
REVOKE ALL ON DATABASE sdiot_ingest FROM PUBLIC;
GRANT CONNECT ON DATABASE sdiot_auth TO emqx_auth;
SQL

# Tables and views the auth migrations create later are readable by EMQX, and only readable.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname sdiot_auth <<'SQL'
ALTER DEFAULT PRIVILEGES FOR ROLE sdiot_auth IN SCHEMA public GRANT SELECT ON TABLES TO emqx_auth;
GRANT USAGE ON SCHEMA public TO emqx_auth;
SQL
