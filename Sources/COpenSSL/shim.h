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
#include <string.h>

/* One SHA-256 compression (FIPS 180-4 section 6.2.2) of the 64-byte `block` into the eight
   chaining words `state`, through libcrypto's own block function (SHA-NI or AVX2 where the CPU
   has them). An HMAC of a short message is two of these from states prepared once per key
   (KeyedHash); the EVP interface costs several times the compression itself per message.
   SHA256_Transform is deprecated in OpenSSL 3 only as a public name for this function; no
   other entry point exposes one compression. `state` starts as SHA-256's initial value when
   `from_initial` is nonzero. */
static inline void opendata_sha256_compress(unsigned int state[8], const unsigned char block[64], int from_initial) {
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
    SHA256_CTX context;
    if (from_initial) {
        SHA256_Init(&context);
    } else {
        memcpy(context.h, state, sizeof context.h);
    }
    SHA256_Transform(&context, block);
    memcpy(state, context.h, sizeof context.h);
#pragma clang diagnostic pop
}
