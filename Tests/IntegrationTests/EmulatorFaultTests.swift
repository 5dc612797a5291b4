import Foundation
import JSONCodec
import XCTest

/// The hostile-server modes clients are tested against, and concurrency.
final class EmulatorFaultTests: XCTestCase {
    func testRateLimitAnswers429WithRetryAfter() throws {
        let e = try EmulatorProcess(["--rate-limit", "2"])
        defer { e.stop() }
        let statuses = try (0..<6).map { i in try HTTP.post(e.url + "/v2/contacts", "{\"email\":\"r\(i)@x.com\"}") }
        XCTAssertEqual(statuses.prefix(2).map(\.status), [200, 200])
        let limited = statuses.filter { $0.status == 429 }
        XCTAssertFalse(limited.isEmpty)
        XCTAssertEqual(limited[0].headers["retry-after"], "1")
        XCTAssertEqual(limited[0].json?.objectValue?["error"]?.objectValue?["code"]?.stringValue, "rate_limited")
        // The window refills: a request is taken again once Retry-After's second has passed.
        let refused = Date()
        var later = 429
        try Waits.until(timeout: 5) {
            later = try HTTP.post(e.url + "/v2/contacts", #"{"email":"later@x.com"}"#).status
            return later != 429
        }
        XCTAssertEqual(later, 200)
        XCTAssertLessThan(Date().timeIntervalSince(refused), 2.5, "the limit lifts within about Retry-After")
    }

    func testInjectedErrorsAtRunTime() throws {
        let e = try EmulatorProcess()
        defer { e.stop() }
        let set = try HTTP.post(
            e.url + "/_emulator/faults", #"{"errorRate":1,"errorStatus":503}"#,
            headers: ["Content-Type": "application/json"])
        XCTAssertEqual(set.status, 200)
        let r = try HTTP.post(e.url + "/v2/contacts", #"{"email":"a@x.com"}"#)
        XCTAssertEqual(r.status, 503)
        guard case .array(let none)? = try HTTP.get(e.url + "/_emulator/contacts").json else { return XCTFail() }
        XCTAssertEqual(none.count, 0, "an injected error happens before processing")
        XCTAssertEqual(try HTTP.post(e.url + "/_emulator/faults", #"{"errorRate":2}"#).status, 400)
        _ = try HTTP.post(e.url + "/_emulator/faults", #"{"errorRate":0}"#)
        XCTAssertEqual(try HTTP.post(e.url + "/v2/contacts", #"{"email":"a@x.com"}"#).status, 200)
    }

    func testFailAfterProcessingStoresTheChange() throws {
        let e = try EmulatorProcess(["--fail-after-processing-rate", "1"])
        defer { e.stop() }
        let r = try HTTP.post(e.url + "/v2/contacts", #"{"email":"a@x.com"}"#)
        XCTAssertEqual(r.status, 500)
        guard case .array(let stored)? = try HTTP.get(e.url + "/_emulator/contacts").json else { return XCTFail() }
        XCTAssertEqual(stored.count, 1, "stored although the answer was 500")
    }

    func testDroppedConnectionsAndLatency() throws {
        let e = try EmulatorProcess(["--drop-rate", "1"])
        defer { e.stop() }
        if case .success(let r) = HTTP.request("POST", e.url + "/v2/contacts", body: #"{"email":"a@x.com"}"#) {
            XCTFail("expected a transport error, got \(r.status)")
        }
        XCTAssertEqual(try HTTP.get(e.url + "/_emulator/health").status, 200, "inspection is never faulted")
        _ = try HTTP.post(e.url + "/_emulator/faults", #"{"dropRate":0,"latencyMs":300}"#)
        let started = Date()
        XCTAssertEqual(try HTTP.post(e.url + "/v2/contacts", #"{"email":"a@x.com"}"#).status, 200)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.3)
    }

    func testSixteenParallelClientsLoseNoWrites() throws {
        let e = try EmulatorProcess()
        defer { e.stop() }
        let failures = NSLock()
        nonisolated(unsafe) var failed = 0
        let url = e.url
        DispatchQueue.concurrentPerform(iterations: 16) { client in
            for batch in 0..<10 {
                let contacts = (0..<50).map {
                    "{\"email\":\"c\(client)-\(batch)-\($0)@x.com\",\"fields\":{\"first_name\":\"n\"}}"
                }
                let events = (0..<20).map {
                    "{\"event\":\"e\",\"email\":\"c\(client)-\(batch)-\($0)@x.com\",\"eventId\":\"\(client)-\(batch)-\($0)\"}"
                }
                let a = try? HTTP.post(
                    url + "/v2/contacts/batch", "{\"contacts\":[\(contacts.joined(separator: ","))]}")
                let b = try? HTTP.post(url + "/v2/events/batch", "{\"events\":[\(events.joined(separator: ","))]}")
                if a?.status != 200 || b?.status != 200 {
                    failures.lock()
                    failed += 1
                    failures.unlock()
                }
            }
        }
        XCTAssertEqual(failed, 0)
        guard case .array(let contacts)? = try HTTP.get(e.url + "/_emulator/contacts").json,
            case .array(let events)? = try HTTP.get(e.url + "/_emulator/events").json
        else { return XCTFail() }
        XCTAssertEqual(contacts.count, 16 * 10 * 50)
        XCTAssertEqual(events.count, 16 * 10 * 20)
    }

    func testPersistentStoreSurvivesARestart() throws {
        let db = NSTemporaryDirectory() + "emu-\(UUID().uuidString).db"
        defer { try? FileManager.default.removeItem(atPath: db) }
        let first = try EmulatorProcess(["--db", db])
        XCTAssertEqual(try HTTP.post(first.url + "/v2/contacts", #"{"email":"keep@x.com"}"#).status, 200)
        first.stop()
        let second = try EmulatorProcess(["--db", db])
        defer { second.stop() }
        guard case .array(let stored)? = try HTTP.get(second.url + "/_emulator/contacts").json else { return XCTFail() }
        XCTAssertEqual(stored.count, 1)
        XCTAssertEqual(try HTTP.post(second.url + "/_emulator/reset", "{}").status, 200)
        guard case .array(let empty)? = try HTTP.get(second.url + "/_emulator/contacts").json else { return XCTFail() }
        XCTAssertEqual(empty.count, 0)
    }
}
