#include <sqlite3.h>

/* SQLITE_TRANSIENT is a cast macro Swift cannot import: copy bound data before returning. */
static inline sqlite3_destructor_type cvsqlite_transient(void) { return SQLITE_TRANSIENT; }
