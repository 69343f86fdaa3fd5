import Foundation

/// A model, an estimation file and a data folder in a scratch folder, as a user would lay them out.
public struct EstimationFolder {
    public let dir: URL
    public var model: String { dir.appendingPathComponent("toy.sfc").path }
    public var file: String { dir.appendingPathComponent("estimate.toml").path }
    public var data: String { dir.appendingPathComponent("data").path }

    public static let model = """
        model toy "the estimation tests' model"
        horizon 2020 to 2024 step 1/12 calendar
        parameter a = 0.8 range (0, 5) unit "1/yr" "speed of adjustment"
        parameter b = 3 range (0, 10) unit "1" "level adjusted to"
        state x unit "1" "the state"
          start = 1
          d/dt = a * (b - x)
        observe X = 100 * x unit "index" "x as the data measure it"
        observe Q = 100 * x unit "index" "x, quarterly"

        """

    public static let estimation = """
        model = "toy"
        solver = "rk8pd"
        tolerance = 1e-10
        from = "2020-01"
        to = "2021-12"
        chains = 2
        warmup = 200
        draws = 200
        seed = 9

        [[observable]]
        series = "X"
        sd = 5.0

        [[observable]]
        series = "Q"
        average = "quarter_end"
        rho = 0.5

        [[free]]
        key = "a"
        lower = 0.1
        upper = 4.0
        prior = "uniform"

        [[free]]
        key = "b"
        lower = 0.5
        upper = 8.0
        prior = "normal"
        mean = 3.0
        sd = 1.0

        [[free]]
        key = "sd[Q]"
        lower = 0.5
        upper = 50.0
        prior = "gamma"
        mean = 5.0
        sd = 5.0

        """

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
