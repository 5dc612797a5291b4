import Concurrency
import ConversionAPI
import CurlHTTP
import Dispatch
import JSONCodec
import SyncCore
import Synchronization
import StreamIO

/// cv-load's entry point: records in, one ack or one reject out for every record.
public enum Loader {
    public static let userAgent = Product.userAgent(tool: "cv-load")

    public static func run(
        _ configuration: LoadConfiguration, output: ByteSink, diagnostics: Diagnostics,
        transport: (() -> HTTPTransport)? = nil
    ) throws -> LoadStats {
        var reader = NDJSONReader(lines: try LineReader(path: configuration.inputPath))
        let run = try LoadRun(
            configuration, source: reader.sourceName, output: output, diagnostics: diagnostics, transport: transport)
        defer { run.signals?.cancel() }
        do {
            try run.readAll(&reader)
        } catch {
            run.drain()
            throw error
        }
        run.drain()
        return try run.outcome()
    }
}

/// One run: the input read into batches, the workers that send them, and what they came to.
final class LoadRun {
    let configuration: LoadConfiguration
    let diagnostics: Diagnostics
    private let counters = SharedCounters()
    private let writer: OutcomeWriter
    private let stop = StopSignal()
    let signals: SignalWatcher?
    private let queue: BlockingQueue<Batch>
    private let workers = DispatchGroup()
    private let failures = WorkerFailures()
    private let dryRun: DryRunPrinter?
    private var progress: LoadProgress
    /// Records read and not yet handed on, by endpoint: a batch goes when it is full.
    private var open: [Endpoint: [PendingRecord]] = [:]
    private var itemWriter = JSONWriter(capacity: 4096)

    init(
        _ configuration: LoadConfiguration, source: String, output: ByteSink, diagnostics: Diagnostics,
        transport: (() -> HTTPTransport)?
    ) throws {
        self.configuration = configuration
        self.diagnostics = diagnostics
        let rejects = try RejectLog(path: configuration.rejectsPath, diagnostics: diagnostics, location: source)
        writer = try OutcomeWriter(acksPath: configuration.acksPath, rejects: rejects, counters: counters)
        // A signal stops cv-load as a refused key does: nothing more is sent, requests in flight
        // finish, every record left becomes a retryable not_sent reject, and all that is known
        // reaches the acks and rejects before the exit (1), for the driver to commit.
        signals = configuration.dryRun ? nil : SignalWatcher { [stop] in stop.stop(.cancelled(signal: $0)) }
        queue = BlockingQueue<Batch>(capacity: configuration.concurrency)
        dryRun = configuration.dryRun ? DryRunPrinter(output: output) : nil
        progress = LoadProgress(diagnostics: diagnostics, counters: counters)
        if !configuration.dryRun { startWorkers(transport) }
    }

    private func startWorkers(_ transport: (() -> HTTPTransport)?) {
        let (configuration, counters) = (self.configuration, self.counters)
        let limiter = RequestPacer(
            rate: configuration.rate, scope: configuration.apiURL + "\n" + configuration.apiKey,
            directory: configuration.budgetDirectory, redis: configuration.budgetServer,
            redisPassword: configuration.budgetPassword, say: { [diagnostics] in diagnostics.warning($0) })
        let makeTransport =
            transport ?? {
                CurlSession(
                    userAgent: Loader.userAgent, totalTimeoutSeconds: configuration.timeoutSeconds,
                    beforeReconnect: {
                        // A reconnect inside a transfer may resend the request: it waits for a slot too.
                        limiter.acquire()
                        counters.update {
                            $0.requests += 1
                            $0.reconnects += 1
                        }
                    })
            }
        for _ in 0..<configuration.concurrency {
            let sender = BatchSender(
                transport: makeTransport(), configuration: configuration, limiter: limiter, counters: counters,
                stop: stop)
            DispatchQueue.global().async(group: workers) { [queue, writer, failures] in
                while let batch = queue.pop() {
                    do { try writer.record(batch.records, sender.send(batch)) } catch { failures.add(error) }
                }
            }
        }
    }

    /// Every line of the input: a record joins its endpoint's batch; anything else is rejected.
    /// (The reader stays the caller's: the lines it lends live no longer than it.)
    func readAll(_ reader: inout NDJSONReader) throws {
        while let line = try reader.next() {
            try take(line, from: &reader)
            progress.tick()
        }
        for endpoint in Array(open.keys) { try dispatch(endpoint) }
        try dryRun?.finish()
    }

    private func take(_ line: NDJSONLine, from reader: inout NDJSONReader) throws {
        switch line {
        case .blank: return
        case .invalid(let error):
            counters.update { $0.recordsIn += 1 }
            try writer.reject(invalid: reader.line, row: reader.lineNumber, message: reader.describe(error))
        case .cut:
            diagnostics.warning(reader.cutLine)
        case .overlong(let length):
            counters.update { $0.recordsIn += 1 }
            try writer.reject(
                invalid: reader.line, row: reader.lineNumber, message: reader.describe(overlong: length),
                code: .lineTooLong)
        case .object:
            counters.update { $0.recordsIn += 1 }
            let endpoint: Endpoint
            itemWriter.bytes.removeAll()
            do throws(RecordRequests.Failure) {
                endpoint = try RecordRequests.writeItem(
                    reader.tape, includeUserId: configuration.includeUserId, into: &itemWriter)
            } catch {
                guard case .invalid(let message) = error else { return }
                try writer.reject(invalid: reader.line, row: reader.lineNumber, message: message)
                return
            }
            open[endpoint, default: []].append(
                PendingRecord(
                    tape: reader.tape, raw: reader.line, item: itemWriter.bytes.array, type: endpoint.recordType))
            if open[endpoint]!.count >= configuration.limit(endpoint) { try dispatch(endpoint) }
        }
    }

    private func dispatch(_ endpoint: Endpoint) throws {
        guard let records = open.removeValue(forKey: endpoint), !records.isEmpty else { return }
        if let dryRun {
            try dryRun.print(Batch(endpoint: endpoint, records: records))
            counters.update { $0.requests += 1 }
        } else {
            queue.push(Batch(endpoint: endpoint, records: records))
        }
    }

    /// No more batches: the workers finish what they hold.
    func drain() {
        queue.close()
        workers.wait()
    }

    /// The counts, or the run's failure with them (the driver still checks the counts).
    func outcome() throws -> LoadStats {
        try writer.flush()
        if let error = failures.first { throw error }
        var stats = counters.snapshot
        stats.seconds = progress.elapsed
        progress.clear()
        if let stopped = stop.stopped { throw PartialFailure(stats: stats, error: stopped) }
        if stats.undelivered > 0 {
            throw PartialFailure(
                stats: stats,
                error: LoadError.notDelivered(records: stats.undelivered, attempts: configuration.retry.maxAttempts))
        }
        return stats
    }
}

/// A run that ended with every record accounted for, but failed (exit 1): its counts still
/// go to --stats so the driver can check them.
public struct PartialFailure: Error {
    public let stats: LoadStats
    public let error: LoadError
}

/// The first error a worker hit writing outcomes (a full disk, say); the run fails with it.
final class WorkerFailures: Sendable {
    private let errors = Mutex<[Error]>([])
    func add(_ error: Error) { errors.withLock { $0.append(error) } }
    var first: Error? { errors.withLock { $0.first } }
}

/// --dry-run: the requests that would be sent, as NDJSON {method, path, body}.
final class DryRunPrinter {
    let output: ByteSink
    var writer = JSONWriter(capacity: 1 << 16)

    init(output: ByteSink) { self.output = output }

    func print(_ batch: Batch) throws {
        writer.writeRaw("{\"method\":\"POST\",\"path\":")
        writer.writeString(batch.endpoint.path)
        writer.writeRaw(",\"body\":")
        writer.writeRaw(Batch.body(batch.endpoint, batch.records))
        writer.writeByte(UInt8(ascii: "}"))
        writer.writeByte(0x0A)
        try output.maybeFlush(&writer.bytes)
    }

    func finish() throws { try output.flush(&writer.bytes) }
}

/// Sent, acks, rejects, rate and retries on a terminal, twice a second.
struct LoadProgress {
    let diagnostics: Diagnostics
    let counters: SharedCounters
    let started = monotonicSeconds()
    private var last = monotonicSeconds()
    private var ticks = 0

    init(diagnostics: Diagnostics, counters: SharedCounters) {
        self.diagnostics = diagnostics
        self.counters = counters
    }

    var elapsed: Double { monotonicSeconds() - started }

    mutating func tick() {
        ticks += 1
        guard diagnostics.isTerminal, ticks % 512 == 0 else { return }
        let now = monotonicSeconds()
        guard now - last >= 0.5 else { return }
        last = now
        let s = counters.snapshot
        diagnostics.progress(
            "read \(s.recordsIn), acks \(s.acks), rejected \(s.rejected), "
                + "\(ProgressMeter.rate(s.requests, now - started)) req/s, \(s.retries) retries"
        )
    }

    func clear() { diagnostics.progress("") }
}
