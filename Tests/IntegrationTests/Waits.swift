import Foundation

/// Waiting for a condition instead of for a fixed time: a test is then as fast as its peer and
/// does not fail on a slow machine.
enum Waits {
    /// Returns once the clock (the machine's, which the local warehouses and the emulator read
    /// too) is in a later second than when called. Watermarks have whole seconds: a sync run
    /// started after this starts in a later second than anything before it.
    static func nextSecond() {
        let start = time(nil)
        while time(nil) == start { usleep(5_000) }
    }

    /// Polls `condition` every 20 ms until it holds (true) or `timeout` seconds pass (false).
    @discardableResult
    static func until(timeout: TimeInterval = 20, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            usleep(20_000)
        }
        return try condition()
    }
}
