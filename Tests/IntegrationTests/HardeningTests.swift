// The hardened WebSocket edge of issue 3 (and resume of issue 4), each limit proven against the
// real server started with small values, and each rejection counter checked to the unit.

import Testing

/// Parent of the hardening suites. They run one at a time: their timers are 1–2 s long and the
/// slow-consumer test loads both cores, so running them side by side would blur the timing.
@Suite(.serialized, .timeLimit(.minutes(3)))
enum HardeningTests {}
