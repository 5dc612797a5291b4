/// Columns aligned with two spaces between them, for `history` and `status` on a terminal.
public struct TextTable {
    public var rows: [[String]]

    public init(header: [String]) { rows = [header] }

    public mutating func append(_ row: [String]) { rows.append(row) }

    public var text: String {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                c == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[c] - cell.count + 2)
            }.joined()
        }.joined(separator: "\n") + "\n"
    }
}
