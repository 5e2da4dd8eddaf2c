#!/usr/bin/env bash
# First start of the compose PostgreSQL only (the postgres image runs /docker-entrypoint-initdb.d/
# when the data volume is empty): the two databases the platform needs and their roles.
#
#   sdiot_auth   owned by sdiot_auth   (migrations + provisioning: `sdiot migrate auth`, `sdiot devices`)
#   emqx_auth    read-only login EMQX uses for authn/authz (ops/emqx/auth.hocon); SELECT only
#   sdiot_ingest owned by sdiot_ingest (the webhook tier and the forwarder)
#
# Passwords come from the container environment (compose.yml, from .env); none is stored here.
# Names can be overridden (SDIOT_AUTH_DB, SDIOT_INGEST_DB, EMQX_AUTH_ROLE) for a shared server;
# tests/test_ops_postgres.py runs this script against a real server with throwaway names.
# A managed PostgreSQL gets the same statements from its operator (ops/RUNBOOK.md).
set -euo pipefail
: "${SDIOT_AUTH_DB_PASSWORD:?}" "${SDIOT_INGEST_DB_PASSWORD:?}" "${EMQX_AUTH_DB_PASSWORD:?}"
auth_db="${SDIOT_AUTH_DB:-sdiot_auth}"
ingest_db="${SDIOT_INGEST_DB:-sdiot_ingest}"
emqx_role="${EMQX_AUTH_ROLE:-emqx_auth}"

# Each database is owned by a login role of the same name.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v auth_db="$auth_db" -v ingest_db="$ingest_db" -v emqx_role="$emqx_role" \
  -v auth_pw="$SDIOT_AUTH_DB_PASSWORD" -v ingest_pw="$SDIOT_INGEST_DB_PASSWORD" \
  -v emqx_pw="$EMQX_AUTH_DB_PASSWORD" <<'SQL'
CREATE ROLE :"auth_db" LOGIN PASSWORD :'auth_pw';
CREATE ROLE :"ingest_db" LOGIN PASSWORD :'ingest_pw';
CREATE ROLE :"emqx_role" LOGIN PASSWORD :'emqx_pw';
CREATE DATABASE :"auth_db" OWNER :"auth_db";
CREATE DATABASE :"ingest_db" OWNER :"ingest_db";
-- Nobody but the owners (and EMQX's read-only role, on the auth DB) may connect.
REVOKE ALL ON DATABASE :"auth_db" FROM PUBLIC;
REVOKE ALL ON DATABASE :"ingest_db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"auth_db" TO :"emqx_role";
SQL

# Tables and views the auth migrations create later are readable by EMQX, and only readable.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$auth_db" \
  -v auth_db="$auth_db" -v emqx_role="$emqx_role" <<'SQL'
ALTER DEFAULT PRIVILEGES FOR ROLE :"auth_db" IN SCHEMA public GRANT SELECT ON TABLES TO :"emqx_role";
GRANT USAGE ON SCHEMA public TO :"emqx_role";
SQL
