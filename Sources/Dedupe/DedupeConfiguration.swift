import SyncCore

/// One `cv-dedupe` filtering run.
public struct DedupeConfiguration: Sendable {
    public var statePath: String
    public var run: String
    public var changedOnly: Bool
    public var inputPath: String?
    public var rejectsPath: String?
    /// Bytes of spilled records processed in memory at once; larger pieces are split again.
    public var partitionBudget: Int
    /// Feed the state's retry queue into this run ahead of the input.
    public var retryQueue = false
    /// Give events without an eventId a deterministic one (a hash of their identity, name,
    /// timestamp and properties), so they too are sent once.
    public var deriveEventIds = false

    public init(
        statePath: String, run: String, changedOnly: Bool, inputPath: String? = nil,
        rejectsPath: String? = nil, partitionBudget: Int = 16 << 20
    ) throws(StateError) {
        try PendingLog.validate(run: run)
        self.statePath = statePath
        self.run = run
        self.changedOnly = changedOnly
        self.inputPath = inputPath
        self.rejectsPath = rejectsPath
        self.partitionBudget = partitionBudget
    }
}
