#include <sqlite3.h>

/* SQLITE_TRANSIENT is a cast macro Swift cannot import: copy bound data before returning. */
static inline sqlite3_destructor_type cvsqlite_transient(void) { return SQLITE_TRANSIENT; }

/* sqlite3_config is variadic, which Swift cannot call. Memory statistics take a process-wide
   mutex on every allocation SQLite makes; nothing here reads them. Must run before the first
   connection opens (afterwards SQLite refuses it with SQLITE_MISUSE and keeps counting). */
static inline int cvsqlite_disable_memory_statistics(void) { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }
