import ArgumentParser

/// `--state DB`, the one option every cv-dedupe command takes, declared once.
struct StateOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("The state database file of this sync (the first filter run creates it).", valueName: "DB"))
    var state: String
}
