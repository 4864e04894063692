// libwebsockets from Swift: constants and variadic logging that Swift cannot import.
#ifndef BRIDGE_CLWS_SHIM_H
#define BRIDGE_CLWS_SHIM_H
#include <libwebsockets.h>

/// Headroom lws needs in front of every payload passed to `lws_write`.
static const size_t bridge_lws_pre = LWS_PRE;

/// The "no content length" marker for HTTP header helpers.
static inline lws_filepos_t bridge_lws_no_content_length(void) {
    return LWS_ILLEGAL_HTTP_CONTENT_LEN;
}

/// Routes lws's own log lines through one fixed-argument hook.
static inline void bridge_lws_set_log(int level, void (*emit)(int level, const char *line)) {
    lws_set_log_level(level, emit);
}
#endif
