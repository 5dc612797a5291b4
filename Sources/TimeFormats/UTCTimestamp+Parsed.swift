import JSONCodec

extension UTCTimestamp {
    /// The fields of one timestamp; fractions are kept as digits to stay exact beyond nanoseconds.
    struct Parsed {
        var year, month, day, hour, minute, second: Int
        var nanoseconds = 0
        var fraction: [UInt8] = []
        var offsetSeconds = 0

        init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
            (self.year, self.month, self.day, self.hour, self.minute, self.second) = (
                year, month, day, hour, minute, second
            )
        }

        init?(_ s: Span<UInt8>) {
            var p = Scanner(s)
            guard let y = p.digits(4), p.take(UInt8(ascii: "-")), let mo = p.digits(2), p.take(UInt8(ascii: "-")),
                let d = p.digits(2)
            else { return nil }
            self.init(year: y, month: mo, day: d, hour: 0, minute: 0, second: 0)
            guard (1...12).contains(mo), (1...UTCTimestamp.daysInMonth(y, mo)).contains(d) else { return nil }
            if p.atEnd { return }
            guard p.take(UInt8(ascii: "T")) || p.take(UInt8(ascii: "t")) || p.take(0x20),
                let h = p.digits(2), p.take(UInt8(ascii: ":")), let mi = p.digits(2)
            else { return nil }
            hour = h
            minute = mi
            if p.take(UInt8(ascii: ":")) {
                guard let sec = p.digits(2) else { return nil }
                second = sec
                if p.take(UInt8(ascii: ".")) || p.take(UInt8(ascii: ",")) {
                    fraction = p.digitRun()
                    guard !fraction.isEmpty else { return nil }
                    while fraction.last == UInt8(ascii: "0") { fraction.removeLast() }
                }
            }
            guard hour < 24, minute < 60, second < 60 else { return nil }
            guard let offset = p.zone(), p.atEnd else { return nil }
            offsetSeconds = offset
        }

        mutating func shiftToUTC() {
            let total =
                UTCTimestamp.days(year: year, month: month, day: day) * 86400
                + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
            var days = total / 86400
            var secs = total % 86400
            if secs < 0 {
                secs += 86400
                days -= 1
            }
            (year, month, day) = UTCTimestamp.civil(fromDays: days)
            hour = Int(secs / 3600)
            minute = Int(secs / 60 % 60)
            second = Int(secs % 60)
            offsetSeconds = 0
        }

        func write<Output: ByteOutput & ~Copyable>(into out: inout Output) {
            // The 19 characters on the stack, appended in one copy.
            var p = InlineArray<19, UInt8>(repeating: 0)
            func two(_ at: Int, _ v: Int) {
                p[at] = UInt8(48 + v / 10)
                p[at + 1] = UInt8(48 + v % 10)
            }
            two(0, year / 100)
            two(2, year % 100)
            p[4] = UInt8(ascii: "-")
            two(5, month)
            p[7] = UInt8(ascii: "-")
            two(8, day)
            p[10] = UInt8(ascii: "T")
            two(11, hour)
            p[13] = UInt8(ascii: ":")
            two(14, minute)
            p[16] = UInt8(ascii: ":")
            two(17, second)
            out.append(contentsOf: p.span)
            if !fraction.isEmpty {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: fraction.span)
            } else {
                FixedDigits.writeFraction(nanoseconds: nanoseconds, into: &out)
            }
            out.append(UInt8(ascii: "Z"))
        }
    }

    struct Scanner: ~Escapable {
        let s: Span<UInt8>
        var i = 0
        @_lifetime(copy s)
        init(_ s: Span<UInt8>) { self.s = s }

        var atEnd: Bool { i == s.count }

        mutating func take(_ b: UInt8) -> Bool {
            guard i < s.count, s[i] == b else { return false }
            i += 1
            return true
        }

        mutating func digits(_ n: Int) -> Int? {
            guard i + n <= s.count else { return nil }
            var v = 0
            for k in 0..<n {
                let d = s[i + k] &- 48
                guard d < 10 else { return nil }
                v = v * 10 + Int(d)
            }
            i += n
            return v
        }

        mutating func digitRun() -> [UInt8] {
            let from = i
            while i < s.count, s[i] &- 48 < 10 { i += 1 }
            var run: [UInt8] = []
            for k in from..<i { run.append(s[k]) }
            return run
        }

        /// Parses an optional zone designator, returning its offset east of UTC in seconds.
        mutating func zone() -> Int? {
            if atEnd || take(UInt8(ascii: "Z")) || take(UInt8(ascii: "z")) { return 0 }
            if i + 4 == s.count, s[i] == 0x20, s[i + 1] == UInt8(ascii: "U"), s[i + 2] == UInt8(ascii: "T"),
                s[i + 3] == UInt8(ascii: "C")
            {
                i += 4
                return 0
            }
            let sign: Int
            if take(UInt8(ascii: "+")) { sign = 1 } else if take(UInt8(ascii: "-")) { sign = -1 } else { return nil }
            guard let h = digits(2) else { return nil }
            var m = 0
            if take(UInt8(ascii: ":")) {
                guard let mm = digits(2) else { return nil }
                m = mm
            } else if let mm = digits(2) {
                m = mm
            }
            var sec = 0
            if take(UInt8(ascii: ":")) {
                guard let ss = digits(2) else { return nil }
                sec = ss
            }
            guard h < 24, m < 60, sec < 60 else { return nil }
            return sign * (h * 3600 + m * 60 + sec)
        }
    }
}
