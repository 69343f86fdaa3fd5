import Foundation

/// A model, an estimation file and a data folder in a scratch folder, as a user would lay them out.
public struct EstimationFolder {
    public let dir: URL
    public var model: String { dir.appendingPathComponent("toy.sfc").path }
    public var file: String { dir.appendingPathComponent("estimate.toml").path }
    public var data: String { dir.appendingPathComponent("data").path }

    /// The toy model and its estimation file (Tests/Fixtures, which the Python tests read too).
    public static let model = try! String(
        contentsOf: Tool.root.appendingPathComponent("Tests/Fixtures/toy.sfc"), encoding: .utf8)

    public static let estimation = try! String(
        contentsOf: Tool.root.appendingPathComponent("Tests/Fixtures/toy-estimate.toml"), encoding: .utf8)

    /// The folder with the files, the estimation file's text edited by `edit`.
    public init(_ edit: (String) -> String = { $0 }) throws {
        dir = try Tool.scratch()
        try Self.model.write(toFile: dir.appendingPathComponent("toy.sfc").path, atomically: true, encoding: .utf8)
        try edit(Self.estimation).write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        // X: two observations a month (the month's figure is their mean); Q: quarterly, dated the quarter's first day.
        var x = ["observation_date,X"]
        var q = ["observation_date,Q"]
        for m in 0..<48 {
            let (year, month) = (2020 + m / 12, m % 12 + 1)
            let date = String(format: "%04d-%02d", year, month)
            let level = 100 * (3 - 2 * exp(-0.8 * Double(m) / 12))
            x += ["\(date)-05,\(level - 1)", "\(date)-20,\(level + 3)"]
            if month % 3 == 1 { q.append("\(date)-01,\(level + 10)") }
        }
        try (x.joined(separator: "\n") + "\n").write(toFile: data + "/X.csv", atomically: true, encoding: .utf8)
        try (q.joined(separator: "\n") + "\n").write(toFile: data + "/Q.csv", atomically: true, encoding: .utf8)
    }

}
