import FlowModel
import Solvers

/// A model restarted at a later date: its start parameters taken from a solved path at that
/// date, from values stated, and moved so that observables equal their data there. What a
/// researcher does when new data arrive and the comparison should start from them.
///
/// Three sources, each later one overriding the earlier:
/// 1. the path: every parameter that is the whole `start` of a state (`start = R0`,
///    `start = qS0[j]`) takes that state's value at the date, and each expression the
///    restart names (`Bw0 = Bwb + Bwc`) its value there;
/// 2. values stated (`Q[crypto] = 3.0`, with their source);
/// 3. matches: a parameter moved so that an observable of the restarted model at its start
///    equals a datum (`DGS10` by `tp0`), all together by GSL's `hybrids`.
public enum Restart {
    /// A parameter's new value and where it comes from.
    public struct Assignment: Sendable, Equatable {
        public var key: String, value: Double, source: String
        public init(key: String, value: Double, source: String) {
            (self.key, self.value, self.source) = (key, value, source)
        }
    }

    /// An observable (a column of the model) that the restarted model starts at a datum, by moving one parameter.
    public struct Match: Sendable, Equatable {
        public var series: String, parameter: String, data: Double
        /// What the datum is, for the source note ("RRPONTSYD, December 2025 mean").
        public var label: String
        public init(series: String, parameter: String, data: Double, label: String) {
            (self.series, self.parameter, self.data, self.label) = (series, parameter, data, label)
        }
    }

    /// Why a restart cannot be made.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// The parameter keys that are a state's whole start, with the state's index in the model's
    /// state: `R0` for `state R start = R0`, `qS0[crypto]` for `start = qS0[j]` over `j in risk`.
    public static func stateStarts(of model: CompiledModel) -> [(key: String, state: Int)] {
        var result: [(String, Int)] = []
        let parameters = Set(model.source.parameters.map(\.name))
        for state in model.source.states {
            guard case .name(let name, let index, _) = state.start, parameters.contains(name) else { continue }
            switch (state.index, index) {
            case (.scalar, nil):
                if let i = model.stateNames.firstIndex(of: state.name) { result.append((name, i)) }
            case (.each(let variable, let set), let used?) where used == variable:
                for member in model.members(of: set) {
                    if let i = model.stateNames.firstIndex(of: "\(state.name)[\(member)]") {
                        result.append(("\(name)[\(member)]", i))
                    }
                }
            default: continue
            }
        }
        return result
    }

    /// The assignments from a path solved to `date` (its last saved point): each parameter of
    /// ``stateStarts(of:)``, then each `(key, column)` of `expressions` (the column the restart's
    /// expression for that key became), then `stated`.
    public static func assignments(
        path: ModelSolution, date: String, expressions: [(key: String, column: String, text: String)],
        stated: [Assignment]
    ) throws -> [Assignment] {
        guard let last = path.t.indices.last else { throw Failure(description: "the path to \(date) is empty") }
        let state = path.solution.state(last)
        var result: [String: Assignment] = [:]
        var order: [String] = []
        func assign(_ a: Assignment) {
            if result[a.key] == nil { order.append(a.key) }
            result[a.key] = a
        }
        for (key, i) in stateStarts(of: path.model) {
            assign(Assignment(key: key, value: state[i], source: "\(path.model.stateNames[i]) on \(date)"))
        }
        for (key, column, text) in expressions {
            guard let value = path.series(column)?[last], value.isFinite else {
                throw Failure(description: "\(key) = \(text) is not finite on \(date)")
            }
            assign(Assignment(key: key, value: value, source: "\(text) on \(date)"))
        }
        for a in stated { assign(a) }
        return order.map { result[$0]! }
    }

    /// The matched parameters' values: each match's series of `model` at its start (t0, no solve)
    /// equals its datum to `tolerance` relative, found together from the model's own values.
    public static func match(_ model: CompiledModel, _ matches: [Match], tolerance: Double = 1e-10) throws
        -> [Assignment]
    {
        guard !matches.isEmpty else { return [] }
        let columns = try matches.map { m in
            guard let c = model.columns.firstIndex(where: { $0.name == m.series }) else {
                throw Failure(description: "\(m.series) is not a series of \(model.source.file)")
            }
            return c
        }
        let keys = matches.map(\.parameter)
        let initial = try keys.map { key in
            guard let value = model.parameter(key) else {
                throw Failure(description: "\(key) is not a parameter of \(model.source.file)")
            }
            return value
        }
        let data = matches.map(\.data)
        let residuals: @Sendable ([Double], inout [Double]) throws -> Void = { x, f in
            guard let moved = model.setting(Dictionary(uniqueKeysWithValues: zip(keys, x))) else {
                throw Failure(description: "the model cannot start with \(zip(keys, x).map { "\($0) = \($1)" })")
            }
            let values = moved.values(at: moved.t0, state: moved.initialState)
            for (i, c) in columns.enumerated() { f[i] = values[c] - data[i] }
        }
        var options = RootOptions()
        options.tolerance = data.map { tolerance * max(abs($0), 1) }
        let root: RootSolution
        do {
            root = try findRoot(RootProblem(initial: initial, residuals: residuals), options)
        } catch let RootError.notConverged(reason, x, f) {
            let worst = f.indices.max { abs(f[$0]) < abs(f[$1]) }!
            throw Failure(
                description: """
                    no values of \(keys.joined(separator: ", ")) start \
                    \(matches.map(\.series).joined(separator: ", ")) at their data (\(reason)); \
                    \(matches[worst].series) is off by \(f[worst]) with \(keys[worst]) = \(x[worst])
                    """)
        } catch let RootError.residualsFailed(message) {
            throw Failure(description: message)
        }
        return matches.enumerated().map { i, m in
            Assignment(key: m.parameter, value: root.x[i], source: "\(m.series) at \(m.label)")
        }
    }
}
