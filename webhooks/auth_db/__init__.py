"""The EMQX auth DB: device credentials, ACL, certificates and device config.

Modules: ``hashing`` (exactly what EMQX's emqx_passwd computes), ``emqx_config`` (the authn/authz
queries as shipped in ops/emqx/auth.hocon), ``provisioning`` (devices in and out),
``lifecycle`` (revoke and decommission, which must also reach EMQX), ``device_config``,
``acl`` (EMQX's authz matching, for the simulator), ``emqx_admin`` (EMQX's REST API),
``ca`` and ``certs`` (the farm CA and device certificates). Errors are in ``errors``.
"""
