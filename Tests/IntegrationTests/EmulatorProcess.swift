import Foundation
import JSONCodec
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A cv-emulator started for one test, on a free loopback port, stopped at the end.
final class EmulatorProcess {
    let process: Launched
    let url: String

    init(_ arguments: [String] = [], schema: String? = EmulatorProcess.testSchema) throws {
        process = try Launcher.start(
            [ToolRunner.path(of: "cv-emulator"), "--port", "0"] + (schema.map { ["--schema", $0] } ?? []) + arguments)
        // It prints its URL once it listens.
        url = try process.firstLine()
        guard url.hasPrefix("http://127.0.0.1:") else {
            throw NSError(domain: "emulator", code: 1, userInfo: [NSLocalizedDescriptionKey: "no URL: \(url)"])
        }
    }

    func stop() { process.stop() }

    /// The schema the tests use: the demo's fields plus typed ones to check.
    static let testSchema: String = {
        let path = NSTemporaryDirectory() + "emulator-schema-\(getpid()).json"
        let text = """
            {"contacts":{"fields":{"first_name":"string","last_name":"string","city":"string","lead_score":"number","vip":"boolean","birthday":"date"}},
             "companies":{"fields":{"company_name":"string","domain":"string","industry":"string"}},
             "objects":{"product":{"fields":{"name":"string","sku":"string"},"relationshipFields":{"role":"string","quantity":"number"}}}}
            """
        try? text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }()
}

/// A minimal synchronous HTTP client for tests.
enum HTTP {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: String
        var json: JSONValue? { try? JSONValue.parse(body) }
    }

    static func request(
        _ method: String, _ url: String, body: String? = nil, data: Data? = nil,
        headers: [String: String] = ["X-API-Key": "sk_test_key", "Content-Type": "application/json"],
        timeout: TimeInterval = 20
    ) -> Result<Response, Error> {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.timeoutInterval = timeout
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        request.httpBody = data ?? body.map { Data($0.utf8) }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<Response, Error> = .failure(URLError(.unknown))
        let task = URLSession.shared.dataTask(with: request) { data, response, error in
            if let error {
                result = .failure(error)
            } else if let http = response as? HTTPURLResponse {
                var fields: [String: String] = [:]
                for (k, v) in http.allHeaderFields {
                    fields[String(describing: k).lowercased()] = String(describing: v)
                }
                result = .success(
                    Response(
                        status: http.statusCode, headers: fields, body: String(decoding: data ?? Data(), as: UTF8.self))
                )
            }
            done.signal()
        }
        task.resume()
        done.wait()
        return result
    }

    static func post(_ url: String, _ body: String, headers: [String: String]? = nil) throws -> Response {
        try request(
            "POST", url, body: body,
            headers: headers ?? ["X-API-Key": "sk_test_key", "Content-Type": "application/json"]
        ).get()
    }

    static func get(_ url: String) throws -> Response { try request("GET", url).get() }
}
