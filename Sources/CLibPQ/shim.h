// libpq, PostgreSQL's own client library (Debian: libpq-dev), for the PostgreSQL source.
#include <libpq-fe.h>
