import Synchronization
import WarehouseCore

/// What the three REST adapters share: cancelling means raising the client's abort signal, which
/// stops the transfer in flight; the adapter then cancels its statement on the server.
protocol CloudWarehouse: Warehouse {
    var client: CloudClient { get }
}

extension CloudWarehouse {
    var isCancelled: Bool { client.isCancelled }

    func cancel() { client.abort.raise() }

    var serverClock: Int64? { client.firstAnswerDate }
}

/// The server's id for the running statement or job, remembered so a cancel can name it.
final class RunningStatement<ID: Sendable>: Sendable {
    private let id = Mutex<ID?>(nil)

    var current: ID? { id.withLock { $0 } }

    func remember(_ value: ID) { id.withLock { $0 = value } }
}
