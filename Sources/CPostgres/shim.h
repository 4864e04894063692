// libpq from Swift: the client API imports directly; this header only gathers it.
#ifndef BRIDGE_CPOSTGRES_SHIM_H
#define BRIDGE_CPOSTGRES_SHIM_H
#include <libpq-fe.h>
#endif
