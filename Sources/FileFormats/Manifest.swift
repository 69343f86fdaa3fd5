import Experiments
import FlowModel
import Foundation
import Solvers

/// The manifest of a command's outputs (`manifest.json`): enough to reproduce every file.
public struct Manifest: Encodable {
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
    struct SolverRecord: Encodable {
        let stepper: String, rtol: Double, atol: Double, save_step_years: Double
    }
    struct RunRecord: Encodable {
        let label: String, regime: String, scenario: String
        let return_code: String, steps: Int, rejected_steps: Int, function_evaluations: Int, jacobian_evaluations: Int
        let largest_identity_residual_relative: Double
    }
    struct Change: Encodable { let key: String, value: Double, start: Double, ramp_years: Double }

    public let tool: Tool
    public let command: [String]
    public let config: String
    let parameters: [String: Double]
    let knots: [String: [[Double]]]
    let risk_classes: [String]
    public let scenario: String
    let scenario_changes: [Change]
    let solver: SolverRecord
    let runs: [RunRecord]
    let outputs: [String]
    let wall_time_seconds: Double
    let inputs_fingerprint: String

    /// - Parameters:
    ///   - runs: each run with its label (`none`, `none/no-ai-boom`).
    ///   - regimes: what the runs compare, for the inputs' fingerprint.
    public init(
        tool: Tool, command: [String], config: String, parameters p: ModelParameters, scenario: Scenario,
        settings: SolveSettings, runs: [(String, ModelRun)], outputs: [String], wallTime: Double, regimes: [String]
    ) {
        self.tool = tool
        self.command = command
        self.config = config
        parameters = Dictionary(uniqueKeysWithValues: p.catalog.map { ($0.key, $0.value(in: p)) })
        knots = Dictionary(uniqueKeysWithValues: ModelParameters.knotTables.map { info in
            let table = info.table(in: p)
            return (info.key, zip(table.times, table.values).map { [$0, $1] })
        })
        risk_classes = p.riskClasses.map(\.name)
        self.scenario = scenario.name
        scenario_changes = scenario.changes.map { Change(key: $0.key, value: $0.value, start: $0.start, ramp_years: $0.rampYears) }
        solver = SolverRecord(
            stepper: settings.stepper.rawValue, rtol: settings.relativeTolerance, atol: settings.absoluteTolerance,
            save_step_years: settings.saveStep)
        self.runs = runs.map { label, run in
            let s = run.solution.statistics
            return RunRecord(
                label: label, regime: run.model.regime.rawValue, scenario: run.model.scenario.name,
                return_code: run.solution.returnCode.rawValue, steps: s.steps, rejected_steps: s.rejectedSteps,
                function_evaluations: s.functionEvaluations, jacobian_evaluations: s.jacobianEvaluations,
                largest_identity_residual_relative: run.largestRelativeIdentityResidual)
        }
        self.outputs = outputs
        wall_time_seconds = wallTime
        let changes = scenario.changes.map { "\($0.key)=\($0.value)@\($0.start)+\($0.rampYears)" }
        inputs_fingerprint = fingerprint(
            Configuration.render(p, header: []) + "|regimes=\(regimes.joined(separator: ","))|scenario=\(changes)"
                + "|solver=\(settings.stepper.rawValue),\(settings.relativeTolerance),\(settings.absoluteTolerance),\(settings.saveStep)")
    }

    /// The manifest as JSON, keys sorted.
    public func json() throws -> String {
        try JSON.text(self)
    }
}

/// JSON as every file of the tool writes it: pretty-printed, keys sorted, slashes unescaped.
public enum JSON {
    public static func text(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }
}
