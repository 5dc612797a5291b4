import ArgumentParser
import ConversionAPI
import Mapping
import SyncCore
import ToolRuntime
import StreamIO

@main
struct CvMap: ToolCommand {
    static let toolName = "cv-map"
    static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Validate warehouse rows and map them to typed Conversion records (contacts, objects, events).",
        usage: """
            cv-map --type contacts|objects|events [--object-type TYPE]
                   [--schema FILE] [--nulls skip|clear] [--rejects FILE]
                   [--stats FILE] [--max-rejects N] [FILE]
            """,
        discussion: """
            INPUT
              Rows as NDJSON (wh-extract's output) from FILE or stdin. Columns map to
              fields by exact name, case included; a column matching no field is ignored
              and named once on stderr. Structural names (userId, email, eventId,
              event_name, timestamp, id, relationshipFields) match whatever their case
              when nothing matches exactly, since warehouses fold unquoted aliases; that
              is said once too. Blank lines are skipped.

            OUTPUT
              One record per valid row on stdout: {"type":"contact"|"object"|"event",
              ..., "row":N}, where row is the input line number. Rows that cannot become
              records are rejects, appended to --rejects FILE as {"stage":"map","row",
              "code","message","retryable","input"}; the first 20 are echoed on stderr.
              Codes: missing_required_field, invalid_field_value, invalid_email,
              invalid_subscription_status, invalid_field, invalid_json and
              duplicate_column. A summary line ends the run; rows = records + rejected,
              always. --stats adds ignoredColumns, ignoredColumnSuggestions and
              foldedColumns.

            EXIT STATUS
              0  success, also with rejects
              1  input or output failure, or more rejects than --max-rejects
              2  usage or configuration error (bad option, unreadable schema, unknown
                 object type)

            EXAMPLES
              wh-extract --source sqlite:w.db --query contacts.sql |
                cv-map --type contacts --rejects rejects.ndjson
              cv-map --type objects --object-type product --schema schema.json rows.ndjson
              cv-map --type events --stats map.json rows.ndjson | jq -c 'select(.row < 3)'
            """,
        version: ToolVersion.text)

    @Option(name: .long, help: "What the rows become.")
    var type: SyncType

    @Option(name: .long, help: "The custom object type key, required with --type objects.")
    var objectType: String?

    @Option(
        name: .long,
        help:
            "Schema file (JSON) adding the workspace's fields and object types to Conversion's default contact fields.")
    var schema: String?

    @Option(name: .long, help: "Append rejected rows to this NDJSON file (default: only counted and echoed on stderr).")
    var rejects: String?

    @OptionGroup var statsFile: StatsOption

    @Option(name: .long, help: "Null columns: skip leaves the field untouched, clear sends null.")
    var nulls: String = "skip"

    @Option(name: .long, help: "Exit 1 once more than this many rows are rejected (default: no limit).")
    var maxRejects: Int?

    @Argument(help: "Input file (default: standard input).")
    var input: String?

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        let configuration = try resolve()
        let stats = try Mapper.run(configuration, output: .standardOutput(), diagnostics: diagnostics)
        try statsFile.write(stats.json(type: type.rawValue))
        diagnostics.note(stats.summary)
        return .success
    }

    private func resolve() throws -> MapConfiguration {
        let destination: Destination
        switch type {
        case .contacts: destination = .contacts
        case .events: destination = .events
        case .objects:
            guard let objectType else {
                throw ConfigurationError.needs(setting: "--type objects", other: "--object-type KEY")
            }
            destination = .objects(type: objectType)
        }
        if objectType != nil && type != .objects {
            throw ConfigurationError.needs(setting: "--object-type", other: "--type objects")
        }
        guard let nullHandling = NullHandling(rawValue: nulls) else {
            throw ConfigurationError.invalidValue(setting: "--nulls", expected: "skip or clear", got: nulls)
        }
        let loaded =
            try schema.map { path throws(SchemaError) in try WorkspaceSchema.load(path: path) } ?? .builtIn
        return try MapConfiguration(
            destination: destination, schema: loaded, schemaName: schema ?? "<built-in>", nulls: nullHandling,
            inputPath: input, rejectsPath: rejects, statsPath: statsFile.stats, maxRejects: maxRejects)
    }

    static func main() { ToolMain.main(CvMap.self) }
}
