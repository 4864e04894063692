// hiredis from Swift: the blocking client imports directly. `redisCommand` is variadic, so the
// bridge calls `redisCommandArgv` / `redisAppendCommandArgv`; these helpers read fields Swift
// would otherwise reach through several optional pointers.
#ifndef BRIDGE_CHIREDIS_SHIM_H
#define BRIDGE_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>

/// The element at `index` of an array reply, or NULL when out of range.
static inline redisReply *bridge_redis_reply_element(const redisReply *reply, size_t index) {
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || index >= reply->elements) {
        return NULL;
    }
    return reply->element[index];
}
#endif
