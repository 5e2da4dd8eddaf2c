"""ops/emqx/, installed as the package ``sdiot_emqx``: the EMQX config the platform ships
(``auth.hocon``: the authn/authz queries ``sdiot acl`` runs exactly as the broker does)."""
