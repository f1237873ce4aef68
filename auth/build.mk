# libauth: node keys (X25519, libsodium) and their files, the node handshake
# (Noise IKpsk2) and sealed records (ChaCha20-Poly1305); lu2k-keygen.
$(eval $(call lu2k_lib,auth,auth/key.c auth/hs.c auth/aead.c auth/peers.c auth/dgram.c auth/hsrate.c))
$(eval $(call lu2k_prog,lu2k-keygen,tools/keygen/lu2k_keygen.c,auth))
$(eval $(call lu2k_test,test_auth_key,tests/unit/test_auth_key.c,auth))
$(eval $(call lu2k_test,test_auth_hs,tests/unit/test_auth_hs.c,auth common))
$(eval $(call lu2k_test,test_auth_aead,tests/unit/test_auth_aead.c,auth common))
$(eval $(call lu2k_test,test_auth_peers,tests/unit/test_auth_peers.c,auth common))
$(eval $(call lu2k_test,test_auth_dgram,tests/unit/test_auth_dgram.c,auth common))
$(eval $(call lu2k_test,test_auth_hsrate,tests/unit/test_auth_hsrate.c,auth common))
