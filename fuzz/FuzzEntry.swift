// libFuzzer's entry point: each input it generates goes through every parser the network reaches.

/// Called by libFuzzer once per input. Returns 0 always: no input is kept out of the corpus.
///
/// `start` is optional because libFuzzer may pass a null pointer for an empty input; the
/// C signature is the same either way.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard let start, count > 0 else {
        FuzzTargets.run([])
        return 0
    }
    FuzzTargets.run(Array(UnsafeRawBufferPointer(start: start, count: count)))
    return 0
}
