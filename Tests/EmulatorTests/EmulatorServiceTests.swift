import ConversionAPI
import CurlHTTP
import Emulator
import EmulatorStore
import JSONCodec
import XCTest

/// The emulator's routing, checks and fault plan through `EmulatorService.handle` (no socket),
/// and once over loopback HTTP through the SwiftNIO server that cv-emulator runs.
final class EmulatorServiceTests: XCTestCase {
    private func service(faults: FaultPlan = FaultPlan()) throws -> EmulatorService {
        EmulatorService(store: try EmulatorStore(path: nil, schema: .builtIn), apiKey: "sk_test", faults: faults)
    }

    private func request(
        _ method: String, _ path: String, _ body: String, key: String? = "sk_test", type: String = "application/json"
    ) -> EmulatorRequest {
        var headers = [(name: "Content-Type", value: type)]
        if let key { headers.append((name: APIContract.apiKeyHeader, value: key)) }
        return EmulatorRequest(method: method, path: path, headers: headers, body: Array(body.utf8))
    }

    /// Status, headers and the body's error code (or the whole body as text when it has none).
    private func answer(_ action: EmulatorAction) -> (status: Int, headers: [String], code: String) {
        guard case .respond(let status, let headers, let body) = action else { return (0, [], "dropped") }
        let value = try? JSONValue.parse(body.span)
        let code = value?.objectValue?["error"]?.objectValue?["code"]?.stringValue
        return (status, headers, code ?? String(decoding: body, as: UTF8.self))
    }

    func testTheAPIAsksForPOSTTheKeyAndJSON() throws {
        let s = try service()
        let batch = #"{"contacts":[{"email":"a@x.com"}]}"#
        XCTAssertEqual(answer(s.handle(request("GET", APIContract.contactsBatchPath, batch))).status, 405)
        XCTAssertEqual(
            answer(s.handle(request("POST", APIContract.contactsBatchPath, batch, key: nil))).code, "unauthorized")
        XCTAssertEqual(
            answer(s.handle(request("POST", APIContract.contactsBatchPath, batch, key: "sk_other"))).status, 401)
        XCTAssertEqual(
            answer(s.handle(request("POST", APIContract.contactsBatchPath, batch, type: "text/plain"))).code,
            "invalid_request")
        XCTAssertEqual(
            answer(s.handle(request("POST", APIContract.contactsBatchPath, "{not json"))).code, "invalid_request")
        XCTAssertEqual(answer(s.handle(request("POST", "/v1/contacts", batch))).status, 404)
        XCTAssertEqual(answer(s.handle(request("POST", APIContract.contactsBatchPath, batch))).status, 200)
    }

    /// `{}` left every fault in place; it clears them, and a member given changes only itself.
    func testAnEmptyFaultPlanClearsTheFaults() throws {
        let s = try service()
        _ = s.handle(request("POST", "/_emulator/faults", #"{"errorRate":1,"latencyMs":5}"#))
        _ = s.handle(request("POST", "/_emulator/faults", #"{"latencyMs":0}"#))
        XCTAssertEqual(
            answer(s.handle(request("POST", APIContract.contactsBatchPath, #"{"contacts":[]}"#))).status, 500,
            "errorRate stays")
        _ = s.handle(request("POST", "/_emulator/faults", "{}"))
        XCTAssertEqual(
            answer(s.handle(request("POST", APIContract.contactsBatchPath, #"{"contacts":[]}"#))).status, 400)
    }

    func testARefusedPlanOrObjectTypeIsTheCallersError() throws {
        let s = try service()
        let unknown = answer(s.handle(request("POST", "/_emulator/faults", #"{"errorRate":0.5,"nope":1}"#)))
        XCTAssertEqual(unknown.status, 400)
        XCTAssertEqual(unknown.code, "invalid_request")
        XCTAssertEqual(answer(s.handle(request("POST", "/_emulator/faults", #"{"errorRate":2}"#))).status, 400)
        XCTAssertEqual(answer(s.handle(request("POST", "/_emulator/faults", "[]"))).status, 400)
        let badName = answer(s.handle(request("POST", "/_emulator/object-types", #"{"name":"Bad Name"}"#)))
        XCTAssertEqual(badName.status, 400, "a schema error is the request's fault, not a 500")
        let badField = answer(
            s.handle(request("POST", "/_emulator/object-types", #"{"name":"product","fields":{"sku":"uuid"}}"#)))
        XCTAssertEqual(badField.status, 400)
        XCTAssertEqual(
            answer(
                s.handle(request("POST", "/_emulator/object-types", #"{"name":"product","fields":{"sku":"string"}}"#))
            )
            .status, 200)
    }

    func testAPlanIsAppliedAsAWholeOrNotAtAll() throws {
        var plan = FaultPlan()
        XCTAssertThrowsError(try plan.update(from: ["errorRate": .number("0.5"), "latencyMs": .number("70000")])) {
            XCTAssertEqual($0 as? FaultPlanError, .invalidValue(fault: "latencyMs", expected: "0 to 60000"))
        }
        var applied = FaultPlan()
        try applied.update(from: ["rateLimit": .number("2"), "errorStatus": .number("503"), "poison": .string("p@x")])
        XCTAssertEqual(applied.rateLimit, 2)
        XCTAssertEqual(applied.errorStatus, 503)
        XCTAssertEqual(applied.poison, "p@x")
        XCTAssertEqual(FaultPlanError.unknownFault("x").exitStatus, .usage)
    }

    func testARateLimitAnswers429WithRetryAfter() throws {
        var plan = FaultPlan()
        try plan.update(from: ["rateLimit": .number("1")])
        let s = try service(faults: plan)
        let batch = #"{"contacts":[{"email":"a@x.com"}]}"#
        let answers = (0..<3).map { _ in answer(s.handle(request("POST", APIContract.contactsBatchPath, batch))) }
        let limited = try XCTUnwrap(answers.first { $0.status == 429 })
        XCTAssertEqual(limited.code, "rate_limited")
        XCTAssertTrue(limited.headers.contains { $0.lowercased().hasPrefix("retry-after:") }, "\(limited.headers)")
    }

    /// `/_emulator/activity` counts the other clients' open connections and requests in hand:
    /// a test that killed a sender waits for 0 instead of sleeping through a window.
    func testActivityCountsOtherConnectionsAndRequestsInHand() throws {
        let server = try EmulatorServer(service: try service(), host: "127.0.0.1", port: 0)
        defer { server.close() }
        func activity() throws -> JSONValue? {
            let asking = CurlSession(userAgent: "EmulatorServiceTests")
            let answer = try asking.perform(
                HTTPRequest(method: "GET", url: server.url + "/_emulator/activity", headers: [], body: []))
            return try JSONValue.parse(answer.body.span)
        }
        XCTAssertEqual(try activity(), .object(["connections": .number("0"), "handling": .number("0")]))
        var sender: CurlSession? = CurlSession(userAgent: "EmulatorServiceTests")
        _ = try sender?.perform(
            HTTPRequest(
                method: "POST", url: server.url + APIContract.contactsBatchPath,
                headers: [.jsonBody, HTTPHeader(APIContract.apiKeyHeader, "sk_test")],
                body: Array(#"{"contacts":[{"email":"a@x.com"}]}"#.utf8)))
        XCTAssertEqual(try activity(), .object(["connections": .number("1"), "handling": .number("0")]), "kept alive")
        sender = nil
        var closed = false
        for _ in 0..<100 where !closed {
            closed = try activity() == .object(["connections": .number("0"), "handling": .number("0")])
            if !closed { usleep(50_000) }
        }
        XCTAssertTrue(closed, "the sender's connection is counted until it closes")
    }

    func testTheServerAnswersOverLoopbackHTTP() throws {
        let server = try EmulatorServer(service: try service(), host: "127.0.0.1", port: 0)
        defer { server.close() }
        let session = CurlSession(userAgent: "EmulatorServiceTests")
        let response = try session.perform(
            HTTPRequest(
                method: "POST", url: server.url + APIContract.contactsBatchPath,
                headers: [.jsonBody, HTTPHeader(APIContract.apiKeyHeader, "sk_test")],
                body: Array(#"{"contacts":[{"email":"a@x.com"},{"email":"bad"}]}"#.utf8)))
        XCTAssertEqual(response.status, 200)
        let results = try JSONValue.parse(response.body.span).objectValue?["data"]?.objectValue?["results"]?.arrayValue
        XCTAssertEqual(results?.map { $0.objectValue?["success"] }, [.bool(true), .bool(false)])
    }
}
