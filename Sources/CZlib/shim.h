// zlib, for deterministic gzip members of release data files.
#include <zlib.h>
