# libauth: node keys (X25519, libsodium) and their files; lu2k-keygen.
$(eval $(call lu2k_lib,auth,auth/key.c))
$(eval $(call lu2k_prog,lu2k-keygen,tools/keygen/lu2k_keygen.c,auth))
lu2k-keygen_LDLIBS += -lsodium
$(eval $(call lu2k_test,test_auth_key,tests/unit/test_auth_key.c,auth))
test_auth_key_LDLIBS += -lsodium
