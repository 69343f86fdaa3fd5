import Foundation

/// Decimal years, in which each calendar month is exactly 1/12: t = 2025.5
/// is 2025-07-01, and a monthly grid t0 + k/12 falls on the first of each
/// month. Within a month the fraction is spread over its days.
public enum DecimalYear {
    public static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The ISO date (YYYY-MM-DD) of `t`.
    public static func isoDate(_ t: Double) -> String {
        let year = Int(t.rounded(.down))
        let months = (t - Double(year)) * 12
        var month = Int((months + 1e-9).rounded(.down))
        var y = year
        if month >= 12 {
            month -= 12
            y += 1
        }
        let fraction = max(0, months - Double(month))
        let day = min(
            Int((fraction * Double(daysInMonth(y, month + 1)) + 1e-6).rounded(.down)) + 1, daysInMonth(y, month + 1))
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return digits.count < width ? String(repeating: "0", count: width - digits.count) + digits : digits
        }
        return y >= 0
            ? padded(y, 4) + "-" + padded(month + 1, 2) + "-" + padded(day, 2)
            : String(format: "%04d-%02d-%02d", y, month + 1, day)
    }

    /// The decimal year of year, month (1-12) and day.
    public static func value(year: Int, month: Int, day: Int) -> Double {
        Double(year) + (Double(month - 1) + Double(day - 1) / Double(daysInMonth(year, month))) / 12
    }

    /// The first day of the month `YYYY-MM` (`2024-01`), or nil.
    public static func month(_ text: String) -> Double? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let year = Int(parts[0]),
            let month = Int(parts[1]), (1...12).contains(month)
        else { return nil }
        return value(year: year, month: month, day: 1)
    }

    /// Parses a decimal year (`2026.5`) or an ISO date (`2026-07-01`).
    public static func parse(_ text: String) -> Double? {
        if let t = Double(text), t.isFinite { return t }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...daysInMonth(year, month)).contains(day)
        else { return nil }
        return value(year: year, month: month, day: day)
    }
}
