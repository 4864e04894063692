// SQLite from Swift: the one macro Swift cannot import.
#ifndef BRIDGE_CSQLITE_SHIM_H
#define BRIDGE_CSQLITE_SHIM_H
#include <sqlite3.h>

/// `SQLITE_TRANSIENT` is a cast macro; SQLite copies the bound value before returning.
static inline sqlite3_destructor_type bridge_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}
#endif
