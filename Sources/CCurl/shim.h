// libcurl from Swift: typed wrappers for the variadic option and info calls, which Swift cannot import.
#ifndef BRIDGE_CCURL_SHIM_H
#define BRIDGE_CCURL_SHIM_H
#include <curl/curl.h>

/// The signature of `CURLOPT_WRITEFUNCTION` and `CURLOPT_HEADERFUNCTION` callbacks.
typedef size_t (*bridge_curl_data_callback)(char *data, size_t size, size_t count, void *user);

/// `curl_easy_setopt` for options that take a `long`.
static inline CURLcode bridge_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_setopt` for options that take a C string (libcurl copies it, except `POSTFIELDS`).
static inline CURLcode bridge_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_setopt` for options that take an opaque pointer (callback user data).
static inline CURLcode bridge_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_setopt` for `CURLOPT_HTTPHEADER`; the list must outlive the transfer.
static inline CURLcode bridge_curl_easy_setopt_list(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_setopt` for the write and header callbacks.
static inline CURLcode bridge_curl_easy_setopt_callback(
    CURL *handle,
    CURLoption option,
    bridge_curl_data_callback value
) {
    return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_getinfo` for values returned as `long`, such as `CURLINFO_RESPONSE_CODE`.
static inline CURLcode bridge_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

/// `curl_multi_setopt` for options that take a `long`.
static inline CURLMcode bridge_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

/// The easy handle and result of a finished transfer, from a `CURLMSG_DONE` message.
static inline CURLcode bridge_curl_message_result(const CURLMsg *message) {
    return message->data.result;
}
#endif
