import XCTest

@testable import RunRecord

/// What a sync's name or a reject's example may hold reaches HTML and Prometheus label values
/// escaped, each by its own format's rules.
final class EscapingTests: XCTestCase {
    func testHTMLAndLabelValuesEscapeTheirOwnCharacters() {
        XCTAssertEqual(HTMLReport.escaped(#"a<b>&"c" \ é"#), #"a&lt;b&gt;&amp;&quot;c&quot; \ é"#)
        XCTAssertEqual(Metrics.escaped("a\"b\\c\nd <&>"), #"a\"b\\c\nd <&>"#)
        XCTAssertEqual(Metrics.escaped(""), "")
    }
}
