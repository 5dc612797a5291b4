import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// SIGINT or SIGTERM stop cv-load the way a refused key does: nothing more is sent, requests in
/// flight finish, every record left becomes a retryable `not_sent` reject, and every outcome
/// already known reaches the acks and rejects files before the exit (1). The driver can then
/// commit what Conversion did take.
final class StopOnSignal {
    private var sources: [DispatchSourceSignal] = []

    init(_ stop: StopSignal) {
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { stop.stop(.cancelled(signal: name)) }
            source.resume()
            sources.append(source)
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
