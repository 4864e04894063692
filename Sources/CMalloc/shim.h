// glibc's malloc tuning (`mallopt`), which Swift's Glibc module does not import.
#ifndef BRIDGE_CMALLOC_SHIM_H
#define BRIDGE_CMALLOC_SHIM_H
#include <malloc.h>
#endif
