import ArgumentParser
import FlowModel
import Foundation

@main
struct Liquidity: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "liquidity",
        abstract: "The reverse-QE liquidity model: AI capex, idle cash and the Fed, solved with GSL.",
        discussion: """
            Exit codes: 0 success; 2 bad input (a file, key or option: nothing is written); \
            3 a solve failed (files of runs that finished are kept).
            """,
        version: BuildInfo.version,
        subcommands: [Compare.self, Run.self, Matrices.self, Params.self, Calibrate.self, History.self, Export.self, Sweep.self],
        defaultSubcommand: Compare.self)

    /// Maps bad input to exit code 2 and solver failures to 3.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as InputError {
            printError("error: \(error.message)")
            Foundation.exit(2)
        } catch let error as SolveFailure {
            printError("error: \(error.message)")
            Foundation.exit(3)
        } catch {
            let code = exitCode(for: error)
            if code == .success || code == ExitCode(0) {
                exit(withError: error)
            }
            if code == .validationFailure {
                printError(fullMessage(for: error))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// The manifest of a command's outputs: enough to reproduce every file.
struct Manifest: Encodable {
    struct Tool: Encodable { let name = "liquidity", version = BuildInfo.version, commit = BuildInfo.commit }
    struct SolverRecord: Encodable {
        let stepper: String, rtol: Double, atol: Double, save_step_years: Double
    }
    struct RunRecord: Encodable {
        let label: String, regime: String, scenario: String
        let return_code: String, steps: Int, rejected_steps: Int, function_evaluations: Int, jacobian_evaluations: Int
        let largest_identity_residual_relative: Double
    }
    struct Change: Encodable { let key: String, value: Double, start: Double, ramp_years: Double }

    let tool = Tool()
    let command: [String]
    let config: String
    let parameters: [String: Double]
    let knots: [String: [[Double]]]
    let risk_classes: [String]
    let scenario: String
    let scenario_changes: [Change]
    let solver: SolverRecord
    let runs: [RunRecord]
    let outputs: [String]
    let wall_time_seconds: Double
    let inputs_fingerprint: String

    init(
        prepared: PreparedModel, solver: SolverSettings, runs: [(String, ModelRun)], outputs: [String], started: Date,
        regimes: [String]
    ) throws {
        let p = prepared.parameters
        command = CommandLine.arguments
        config = prepared.configPath
        parameters = Dictionary(uniqueKeysWithValues: p.catalog.map { ($0.key, $0.value(in: p)) })
        knots = Dictionary(uniqueKeysWithValues: ModelParameters.knotTables.map { info in
            let table = info.table(in: p)
            return (info.key, zip(table.times, table.values).map { [$0, $1] })
        })
        risk_classes = p.riskClasses.map(\.name)
        scenario = prepared.scenario.name
        scenario_changes = prepared.scenario.changes.map { Change(key: $0.key, value: $0.value, start: $0.start, ramp_years: $0.rampYears) }
        self.solver = SolverRecord(stepper: solver.solver, rtol: solver.rtol, atol: solver.atol, save_step_years: try solver.step)
        self.runs = runs.map { label, run in
            let s = run.solution.statistics
            return RunRecord(
                label: label, regime: run.model.regime.rawValue, scenario: run.model.scenario.name,
                return_code: run.solution.returnCode.rawValue, steps: s.steps, rejected_steps: s.rejectedSteps,
                function_evaluations: s.functionEvaluations, jacobian_evaluations: s.jacobianEvaluations,
                largest_identity_residual_relative: run.largestRelativeIdentityResidual)
        }
        self.outputs = outputs
        wall_time_seconds = Date().timeIntervalSince(started)
        let changes = prepared.scenario.changes.map { "\($0.key)=\($0.value)@\($0.start)+\($0.rampYears)" }
        inputs_fingerprint = fingerprint(
            Configuration.render(p, header: []) + "|regimes=\(regimes.joined(separator: ","))|scenario=\(changes)"
                + "|solver=\(solver.solver),\(solver.rtol),\(solver.atol),\(try solver.step)")
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }
}
