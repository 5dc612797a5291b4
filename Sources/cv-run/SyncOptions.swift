import ArgumentParser

/// The sync a subcommand works on: its state folder and, for messages, its name.
struct StateOption: ParsableArguments {
    @Option(name: .long, help: "The sync's state folder (state/NAME).")
    var state: String
}

struct SyncOptions: ParsableArguments {
    @OptionGroup var folder: StateOption

    @Option(name: .long, help: "The sync's name.")
    var sync: String

    var state: String { folder.state }
}
