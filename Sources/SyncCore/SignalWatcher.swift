import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// SIGINT and SIGTERM as events instead of the end of the process, for a tool that must stop
/// in order (cancel a query, finish requests in flight, write what is known). While a watcher
/// lives, each signal runs `handler` with its name on a global queue, and the first one's name
/// is kept; `cancel` gives both signals back their default action. The one place the tools
/// (wh-extract, cv-load, cv-emulator) take signals.
public final class SignalWatcher {
    private var sources: [DispatchSourceSignal] = []
    private let first = FirstSignal()

    public init(_ handler: @escaping @Sendable (_ signal: String) -> Void) {
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [first] in
                first.name.withLock { $0 = $0 ?? name }
                handler(name)
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit { cancel() }

    /// The first signal received, if one was.
    public var firstSignal: String? { first.name.withLock { $0 } }

    public func cancel() {
        guard !sources.isEmpty else { return }
        for source in sources { source.cancel() }
        sources = []
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

/// Shared with the handlers without their holding the watcher.
private final class FirstSignal: Sendable {
    let name = Mutex<String?>(nil)
}
