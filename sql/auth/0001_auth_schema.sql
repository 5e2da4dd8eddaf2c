-- The EMQX auth DB: device users, role-based ACL templates, certificates, device config.
--
-- EMQX reads this database through the two queries in ops/emqx/auth.hocon (authn: mqtt_user;
-- authz: the view mqtt_acl_rendered). Everything else here is for provisioning (sdiot devices,
-- sdiot certs, the /api/v1/devices API). Constraints, not only Python, keep bad data out: an id
-- that could put '+', '#' or '/' into a topic cannot be stored.

-- migrate:up

-- The seven device types (a copy of webhooks/device_types.py, checked equal by
-- tests/test_auth_schema.py): the ACL view renders a device's topic path from here.
CREATE TABLE device_type (
    name   text PRIMARY KEY CHECK (name ~ '^[a-z_]{1,32}$'),
    path   text NOT NULL UNIQUE CHECK (path ~ '^[a-z_]{1,32}$'),
    prefix text NOT NULL UNIQUE CHECK (prefix ~ '^[A-Z]{2}$'),
    UNIQUE (name, prefix)
);
INSERT INTO device_type (name, path, prefix) VALUES
    ('milk_meter', 'milk_meters', 'MM'),
    ('temperature', 'temperature', 'TS'),
    ('collar', 'collars', 'AC'),
    ('feeder', 'feeders', 'FD'),
    ('gate', 'gates', 'GT'),
    ('waterer', 'waterers', 'WT'),
    ('environmental', 'environmental', 'EN');

-- A role names a set of ACL rows. 'device' is every field device; 'backend' is a service client
-- of the platform tier (it may command and configure devices and read what they send).
CREATE TABLE mqtt_role (
    name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,31}$'),
    description text NOT NULL
);
INSERT INTO mqtt_role (name, description) VALUES
    ('device', 'a field device: publishes only its own data/status/alerts, subscribes only its own commands/config'),
    ('backend', 'a platform service client: publishes commands/config to devices, subscribes to their data/status/alerts');

-- One row per MQTT user. For devices username = device id (the certificate CN on the mTLS
-- listener). password_hash/salt follow ops/emqx/auth.hocon's password_hash_algorithm
-- (sha256, salt suffix): 64 lowercase hex characters, never a cleartext secret. A NULL hash means
-- "certificate only": the authn query skips the row, so no password can ever log it in.
CREATE TABLE mqtt_user (
    username          text PRIMARY KEY,
    role              text NOT NULL REFERENCES mqtt_role (name),
    device_type       text,
    -- The id's two-letter prefix, so the foreign key below can tie it to the device type.
    id_prefix         text GENERATED ALWAYS AS (CASE WHEN device_type IS NULL THEN NULL ELSE left(username, 2) END) STORED,
    farm_id           text CHECK (farm_id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    password_hash     text CHECK (password_hash ~ '^[0-9a-f]{64}$'),
    salt              text NOT NULL DEFAULT '' CHECK (salt ~ '^[0-9a-f]{0,64}$'),
    is_superuser      boolean NOT NULL DEFAULT false,
    active            boolean NOT NULL DEFAULT true,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    rotated_at        timestamptz,
    revoked_at        timestamptz,
    decommissioned_at timestamptz,
    -- MM… must be a milk_meter, TS… a temperature sensor, and so on.
    FOREIGN KEY (device_type, id_prefix) REFERENCES device_type (name, prefix),
    -- A device's id is its type prefix + 3-6 digits and it belongs to a farm; it is never a
    -- superuser. Service users have lowercase names (never a device id) and no device type.
    CONSTRAINT mqtt_user_identity CHECK (
        (role = 'device' AND username ~ '^(MM|TS|AC|FD|GT|WT|EN)[0-9]{3,6}$'
            AND device_type IS NOT NULL AND farm_id IS NOT NULL AND NOT is_superuser)
        OR (role <> 'device' AND username ~ '^[a-z][a-z0-9_-]{2,63}$' AND device_type IS NULL)
    ),
    -- A decommissioned user can never log in again; its id stays reserved (certificates and
    -- readings refer to it).
    CONSTRAINT mqtt_user_decommissioned CHECK (
        decommissioned_at IS NULL OR (NOT active AND password_hash IS NULL)
    )
);
CREATE INDEX mqtt_user_farm ON mqtt_user (farm_id, device_type);

CREATE FUNCTION mqtt_user_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END $$;
CREATE TRIGGER mqtt_user_touch BEFORE UPDATE ON mqtt_user FOR EACH ROW EXECUTE FUNCTION mqtt_user_touch();

-- ACL templates per role. EMQX evaluates the rows it gets in order and the first row that
-- matches decides, so order is part of the rule: priority sorts the rows, and the CHECK makes
-- every deny row sort before every allow row (deny < 1000 <= allow). No matching row falls through
-- to authorization.no_match = deny.
--
-- topic is a template with two kinds of placeholder:
--   {farm_id}, {device_path}  rendered by the database (view below) from the user's row;
--   ${username}               left for EMQX, which renders it from the connected client.
-- Rendering the device id by EMQX means the id in an allowed topic is, by construction, the
-- authenticated username (or certificate CN), whatever a row says. Farm and path are not
-- client attributes EMQX knows, so the database fills them in. For a user with no farm or type
-- (a platform-wide backend user) they render as '+': every farm, every path.
-- qos: NULL = any, or '0', '0,1' ... (EMQX parses the string); retain: NULL = any.
CREATE TABLE mqtt_acl (
    id         integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    role       text NOT NULL REFERENCES mqtt_role (name) ON DELETE CASCADE,
    priority   integer NOT NULL,
    permission text NOT NULL CHECK (permission IN ('allow', 'deny')),
    action     text NOT NULL CHECK (action IN ('publish', 'subscribe', 'all')),
    topic      text NOT NULL CHECK (topic <> '' AND regexp_replace(topic, '^eq ', '') !~ '\s'),
    qos        text CHECK (qos ~ '^[0-2](,[0-2]){0,2}$'),
    retain     boolean,
    note       text,
    UNIQUE (role, priority),
    CONSTRAINT mqtt_acl_deny_first CHECK ((permission = 'deny') = (priority < 1000))
);

INSERT INTO mqtt_acl (role, priority, permission, action, topic, note) VALUES
    -- Devices: explicit denies first (they document intent; no_match = deny would catch them too).
    ('device', 10, 'deny', 'all', '$SYS/#', 'broker internals'),
    ('device', 20, 'deny', 'all', 'eq #', 'the whole tree'),
    ('device', 30, 'deny', 'publish', 'dairy/{farm_id}/{device_path}/${username}/commands', 'only the platform commands a device'),
    ('device', 40, 'deny', 'publish', 'dairy/{farm_id}/{device_path}/${username}/config', 'only the platform configures a device'),
    ('device', 1000, 'allow', 'publish', 'dairy/{farm_id}/{device_path}/${username}/data', 'own readings'),
    ('device', 1010, 'allow', 'publish', 'dairy/{farm_id}/{device_path}/${username}/status', 'own status'),
    ('device', 1020, 'allow', 'publish', 'dairy/{farm_id}/{device_path}/${username}/alerts', 'own alerts'),
    ('device', 1030, 'allow', 'subscribe', 'dairy/{farm_id}/{device_path}/${username}/commands', 'own commands'),
    ('device', 1040, 'allow', 'subscribe', 'dairy/{farm_id}/{device_path}/${username}/config', 'own config (retained)'),
    -- Backend service users.
    ('backend', 10, 'deny', 'all', '$SYS/#', 'broker internals'),
    ('backend', 20, 'deny', 'all', 'eq #', 'the whole tree'),
    ('backend', 1000, 'allow', 'publish', 'dairy/{farm_id}/+/+/commands', 'command devices'),
    ('backend', 1010, 'allow', 'publish', 'dairy/{farm_id}/+/+/config', 'configure devices'),
    ('backend', 1020, 'allow', 'subscribe', 'dairy/{farm_id}/+/+/data', 'read readings'),
    ('backend', 1030, 'allow', 'subscribe', 'dairy/{farm_id}/+/+/status', 'read status'),
    ('backend', 1040, 'allow', 'subscribe', 'dairy/{farm_id}/+/+/alerts', 'read alerts');

-- What the EMQX authz query reads: one row per (active user, ACL row of its role), with the
-- database placeholders rendered. The query in ops/emqx/auth.hocon selects exactly EMQX's five
-- columns from here and orders by priority (a view has no order of its own). Keeping the join
-- here means an ACL change is a migration, never a broker config change.
CREATE VIEW mqtt_acl_rendered AS
SELECT u.username,
       a.priority,
       a.permission,
       a.action,
       replace(replace(a.topic, '{farm_id}', COALESCE(u.farm_id, '+')),
               '{device_path}', COALESCE(t.path, '+')) AS topic,
       a.qos,
       a.retain,
       a.id AS acl_id
FROM mqtt_user u
JOIN mqtt_acl a ON a.role = u.role
LEFT JOIN device_type t ON t.name = u.device_type
WHERE u.active;

-- Device certificates issued by the farm CA (sdiot certs). Only public facts: the private keys
-- never enter the database. serial is lowercase hex; issuer_key_id is the CA's subject key id,
-- so a CRL lists only what its CA issued.
CREATE TABLE device_certificate (
    serial             text PRIMARY KEY CHECK (serial ~ '^[0-9a-f]{1,40}$'),
    username           text NOT NULL REFERENCES mqtt_user (username),
    issuer_key_id      text NOT NULL CHECK (issuer_key_id ~ '^[0-9a-f]+$'),
    fingerprint_sha256 text NOT NULL UNIQUE CHECK (fingerprint_sha256 ~ '^[0-9a-f]{64}$'),
    not_before         timestamptz NOT NULL,
    not_after          timestamptz NOT NULL,
    issued_at          timestamptz NOT NULL DEFAULT now(),
    revoked_at         timestamptz,
    revocation_reason  text,
    CHECK (not_after > not_before)
);
CREATE INDEX device_certificate_user ON device_certificate (username);
CREATE INDEX device_certificate_expiry ON device_certificate (not_after) WHERE revoked_at IS NULL;

-- The desired configuration of a device, published retained to .../{device_id}/config through
-- EMQX's REST API. version increases on every change; published_version says what EMQX has.
CREATE TABLE device_config (
    username          text PRIMARY KEY REFERENCES mqtt_user (username) ON DELETE CASCADE,
    config            jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
    version           integer NOT NULL DEFAULT 0 CHECK (version >= 0),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    published_version integer,
    published_at      timestamptz
);

-- migrate:down
DROP TABLE device_config;
DROP TABLE device_certificate;
DROP VIEW mqtt_acl_rendered;
DROP TABLE mqtt_acl;
DROP TABLE mqtt_user;
DROP FUNCTION mqtt_user_touch();
DROP TABLE mqtt_role;
DROP TABLE device_type;
