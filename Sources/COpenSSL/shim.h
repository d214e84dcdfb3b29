// libcrypto entry points opendata uses: HMAC-SHA256 (pseudonyms), SHA-256, BLAKE2b,
// Ed25519 and scrypt (signatures and keys), RAND_bytes (the CSPRNG).
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
