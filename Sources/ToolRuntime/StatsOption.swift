import ArgumentParser
import JSONCodec
import StreamIO

/// `--stats FILE`, declared once for every stage: its counts as one JSON object, written whole
/// (through a temporary file and a rename) when the stage ends, so the driver never reads half.
public struct StatsOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Write the counts as JSON to this file when done.", valueName: "FILE"))
    public var stats: String?

    public init() {}

    /// Writes `counts` when --stats was given.
    public func write(_ counts: JSONObject) throws(OutputError) {
        if let stats { try StatsFile.write(counts, to: stats) }
    }
}
