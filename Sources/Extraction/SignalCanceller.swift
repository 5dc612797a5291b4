import Dispatch
import Synchronization
import WarehouseCore

#if canImport(Glibc)
    import Glibc
#endif

/// Turns SIGINT and SIGTERM into a server-side cancel of the running statement.
final class SignalCanceller {
    private var sources: [DispatchSourceSignal] = []
    private let received = FirstSignal()

    init(warehouse: Warehouse) {
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [received, warehouse] in
                received.name.withLock { $0 = $0 ?? name }
                warehouse.cancel()
            }
            source.resume()
            sources.append(source)
        }
    }

    /// The first signal received, if any.
    var signalName: String? { received.name.withLock { $0 } }

    func stop() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

/// The name of the first signal, shared with the signal handlers without their holding the canceller.
private final class FirstSignal: Sendable {
    let name = Mutex<String?>(nil)
}
