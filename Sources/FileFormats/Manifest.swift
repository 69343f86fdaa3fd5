import Experiments
import FlowModel
import Foundation
import Solvers

/// What every `manifest.json` records: the tool and the solver (``ModelManifest`` is the whole file).
public enum Manifest {
    /// The tool that wrote the files.
    public struct Tool: Encodable, Sendable {
        public var name = "liquidity"
        public var version: String
        public var commit: String

        public init(version: String, commit: String) {
            self.version = version
            self.commit = commit
        }
    }
    package struct SolverRecord: Encodable {
        let stepper: String, rtol: Double, atol: Double, save_step_years: Double
        /// How saves inside steps got their values: auto, land or interpolate.
        let saves: String
    }
}

/// The manifest of a model file's runs (`manifest.json`): the file, the
/// resolved parameters, tables and sets, the changes, the solver and each run.
public struct ModelManifest: Encodable {
    package struct RunRecord: Encodable {
        let label: String, choices: [String: String]
        let return_code: String, steps: Int, rejected_steps: Int, function_evaluations: Int, jacobian_evaluations: Int
    }
    package struct Change: Encodable { let parameter: String, value: Double, start: Double, ramp_years: Double }

    public let tool: Manifest.Tool
    public let command: [String]
    public let model: String
    public let config: String?
    package let parameters: [String: Double]
    package let knots: [String: [[Double]]]
    package let sets: [String: [String]]
    package let changes: [Change]
    package let t0: Double, t1: Double
    package let solver: Manifest.SolverRecord
    package let runs: [RunRecord]
    package let outputs: [String]
    package let wall_time_seconds: Double
    package let inputs_fingerprint: String

    /// - Parameters:
    ///   - runs: each run with its label (`none`, `none/no_ai_boom`); the first run's model gives the parameters.
    public init(
        tool: Manifest.Tool, command: [String], model file: String, config: String?, settings: SolveSettings,
        runs: [(String, ModelSolution)],
        outputs: [String], wallTime: Double
    ) {
        self.tool = tool
        self.command = command
        model = file
        self.config = config
        let first = runs[0].1.model
        var parameters: [String: Double] = [:]
        for p in first.source.parameters {
            if case .member(let set) = p.index {
                for m in first.members(of: set) { parameters["\(p.name)[\(m)]"] = first.parameter("\(p.name)[\(m)]") }
            } else if case .each(_, let set) = p.index {
                for m in first.members(of: set) { parameters["\(p.name)[\(m)]"] = first.parameter("\(p.name)[\(m)]") }
            } else {
                parameters[p.name] = first.parameter(p.name)
            }
        }
        self.parameters = parameters
        knots = Dictionary(
            uniqueKeysWithValues: first.source.tables.map { ($0.name, first.knots(of: $0.name).map { [$0.0, $0.1] }) })
        sets = Dictionary(uniqueKeysWithValues: first.source.sets.map { ($0.name, first.members(of: $0.name)) })
        changes = first.settings.changes.map {
            Change(parameter: $0.parameter, value: $0.value, start: $0.start, ramp_years: $0.rampYears)
        }
        (t0, t1) = (first.t0, first.t1)
        solver = Manifest.SolverRecord(
            stepper: settings.stepper.rawValue, rtol: settings.relativeTolerance, atol: settings.absoluteTolerance,
            save_step_years: settings.saveStep, saves: settings.saveMode.rawValue)
        self.runs = runs.map { label, path in
            let s = path.solution.statistics
            let choices = Dictionary(
                uniqueKeysWithValues: path.model.source.choices.map {
                    ($0.name, path.model.settings.choices[$0.name] ?? $0.defaultOption)
                })
            return RunRecord(
                label: label, choices: choices, return_code: path.solution.returnCode.rawValue, steps: s.steps,
                rejected_steps: s.rejectedSteps,
                function_evaluations: s.functionEvaluations, jacobian_evaluations: s.jacobianEvaluations)
        }
        self.outputs = outputs
        wall_time_seconds = wallTime
        // Spelled as Swift prints the arrays ("[[2025.0, 0.04]]", "[\"a\"]", "[(key: \"k\", value: \"v\")]"),
        // which earlier fingerprints used, without the run-time casts of `print`.
        func list(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }
        var inputs: [String] = parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        inputs += knots.sorted { $0.key < $1.key }.map {
            "\($0.key)=" + list($0.value.map { list($0.map(\.description)) })
        }
        inputs += sets.sorted { $0.key < $1.key }.map { "\($0.key)=" + list($0.value.map(\.debugDescription)) }
        inputs += changes.map { "\($0.parameter)=\($0.value)@\($0.start)+\($0.ramp_years)" }
        for run in self.runs {
            let choices = run.choices.sorted { $0.key < $1.key }.map {
                "(key: \($0.key.debugDescription), value: \($0.value.debugDescription))"
            }
            inputs.append("\(run.label):" + list(choices))
        }
        inputs += [
            "span=\(t0),\(t1)",
            "solver=\(settings.stepper.rawValue),\(settings.relativeTolerance),\(settings.absoluteTolerance),"
                + "\(settings.saveStep),\(settings.saveMode.rawValue)",
        ]
        inputs_fingerprint = fingerprint(file + "|" + inputs.joined(separator: "|"))
    }
}
