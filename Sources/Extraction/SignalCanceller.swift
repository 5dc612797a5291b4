import Dispatch
import SyncCore
import WarehouseCore
#if canImport(Glibc)
import Glibc
#endif

/// Turns SIGINT and SIGTERM into a server-side cancel of the running statement.
final class SignalCanceller: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let lock = Mutex()
    private var received: String?

    init(warehouse: Warehouse) {
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self, warehouse] in
                self?.lock.withLock { self?.received = self?.received ?? name }
                warehouse.cancel()
            }
            source.resume()
            sources.append(source)
        }
    }

    /// The first signal received, if any.
    var signalName: String? { lock.withLock { received } }

    func stop() {
        sources.forEach { $0.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
