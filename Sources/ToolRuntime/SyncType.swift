import ArgumentParser

/// What a sync's rows become, as `--type` names it (cv-map, cv-dedupe forget): parsed once, by
/// the argument parser, which names the values it takes when given another.
public enum SyncType: String, CaseIterable, Sendable, ExpressibleByArgument {
    case contacts, objects, events
}
