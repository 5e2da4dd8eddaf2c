"""webhooks/auth_db/hashing.py computes what EMQX's emqx_passwd does.

Vectors: emqx/emqx:apps/emqx/test/emqx_passwd_SUITE.erl (t_hash_data, t_hash, t_plain_password).
"""
import base64

import pytest

from webhooks.auth_db import emqx_config, hashing

PASSWORD, SALT = "password", "salt"


@pytest.mark.parametrize("algorithm, salt, expected", [
    ({"name": "md5", "salt_position": "disable"}, "", "5f4dcc3b5aa765d61d8327deb882cf99"),
    ({"name": "sha", "salt_position": "disable"}, "", "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8"),
    ({"name": "sha256", "salt_position": "disable"}, "",
     "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"),
    ({"name": "sha512", "salt_position": "disable"}, "",
     "b109f3bbbc244eb82441917ed06d618b9008dd09b3befd1b5e07394c706a8bb9"
     "80b1d7785e5976ec049b46df5f1326af5a2ea6d103fd07c95385ffab0cacbc86"),
    ({"name": "md5", "salt_position": "prefix"}, SALT, "67a1e09bb1f83f5007dc119c14d663aa"),
    ({"name": "md5"}, SALT, "67a1e09bb1f83f5007dc119c14d663aa"),  # prefix is EMQX's default
    ({"name": "sha", "salt_position": "prefix"}, SALT, "59b3e8d637cf97edbe2384cf59cb7453dfe30789"),
    ({"name": "sha256", "salt_position": "suffix"}, SALT,
     "7a37b85c8918eac19a9089c0fa5a2ab4dce3f90528dcdeec108b23ddf3607b99"),
    ({"name": "sha512", "salt_position": "suffix"}, SALT,
     "fa6a2185b3e0a9a85ef41ffb67ef3c1fb6f74980f8ebf970e4e72e353ed9537d"
     "593083c201dfd6e43e1c8a7aac2bc8dbb119c7dfb7d4b8f131111395bd70e97f"),
    ({"name": "pbkdf2", "mac_fun": "sha", "iterations": 2, "dk_length": 32}, "ATHENA.MIT.EDUraeburn",
     "01dbee7f4a9e243e988b62c73cda935da05378b93244ec8f48a99e61ad799d86"),
    ({"name": "plain", "salt_position": "prefix"}, SALT, "saltpassword"),
    ({"name": "plain", "salt_position": "disable"}, "", "password"),
])
def test_emqx_vectors(algorithm, salt, expected):
    """Each algorithm and salt position gives EMQX's own test vector and verifies against it."""
    assert hashing.hash_password(algorithm, PASSWORD, salt) == expected
    assert hashing.check_password(algorithm, expected, salt, PASSWORD)
    assert not hashing.check_password(algorithm, expected, salt, "wrongpass")


@pytest.mark.parametrize("algorithm, salt, stored", [
    ({"name": "sha512", "salt_position": "suffix"}, SALT,
     "FA6A2185B3E0A9A85EF41FFB67EF3C1FB6F74980F8EBF970E4E72E353ED9537D"
     "593083C201DFD6E43E1C8A7AAC2BC8DBB119C7DFB7D4B8F131111395BD70E97F"),
    ({"name": "pbkdf2", "mac_fun": "sha", "iterations": 2, "dk_length": 32}, "ATHENA.MIT.EDUraeburn",
     "01DBEE7F4A9E243E988B62C73CDA935DA05378B93244EC8F48A99E61AD799D86"),
])
def test_hash_comparison_ignores_case(algorithm, salt, stored):
    """EMQX compares hex hashes case-insensitively."""
    assert hashing.check_password(algorithm, stored, salt, PASSWORD)


def test_plain_comparison_is_case_sensitive():
    """Plain passwords compare case-sensitively (t_plain_password)."""
    algorithm = {"name": "plain", "salt_position": "disable"}
    assert not hashing.check_password(algorithm, "password", "", "PASSWORD")
    assert not hashing.check_password(algorithm, "password", "", "Password")


def test_no_password_never_matches():
    """A client without a password never matches (check_pass(_, _, undefined) = false)."""
    assert not hashing.check_password(hashing.DEVICE_ALGORITHM, "00" * 32, "", None)


def test_null_salt_is_an_error():
    """A NULL salt breaks EMQX's hashing ({salt_not_string, null}); so it does here."""
    with pytest.raises(TypeError):
        hashing.hash_password({"name": "sha256", "salt_position": "suffix"}, PASSWORD, None)


def test_unsupported_algorithm_is_refused():
    """bcrypt is not computed here; asking for it is an explicit error, not a wrong hash."""
    with pytest.raises(hashing.UnsupportedAlgorithm):
        hashing.hash_password({"name": "bcrypt"}, PASSWORD, "")


def test_secrets_are_256_random_bits():
    """Device secrets carry 256 bits, are URL-safe, and differ every time."""
    secrets = {hashing.new_secret() for _ in range(50)}
    assert len(secrets) == 50
    for s in secrets:
        assert len(base64.urlsafe_b64decode(s + "=")) == 32
    assert len(hashing.new_salt()) == 32


def test_provisioning_uses_the_broker_algorithm():
    """What provisioning writes is what ops/emqx/auth.hocon tells EMQX to compute."""
    assert emqx_config.load().hash_algorithm == hashing.DEVICE_ALGORITHM
