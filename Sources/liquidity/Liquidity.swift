import Application
import ArgumentParser
import Experiments
import FileFormats
import FlowModel
import Foundation
import Reports

@main
struct Liquidity: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "liquidity",
        abstract: "The reverse-QE liquidity model: AI capex, idle cash and the Fed, solved with GSL.",
        discussion: """
            Exit codes: 0 success; 2 bad input (a file, key or option: nothing is written); \
            3 a solve failed (files of runs that finished are kept); 4 a file could not be \
            written (the system's reason is given; no file is left half-written).
            """,
        version: BuildInfo.version,
        subcommands: [
            Compare.self, Run.self, Matrices.self, Params.self, Calibrate.self, Estimate.self, Evaluate.self,
            Decompose.self, RestartCommand.self,
            History.self,
            BacktestCommand.self,
            Export.self, Sweep.self, ModelCommand.self,
        ],
        defaultSubcommand: Compare.self)

    /// Maps bad input to exit code 2, solver failures to 3 and failed writes to 4.
    static func main() {
        // `compare`, the default command, takes no word of its own: a first word that names no
        // command is a mistyped one (swift-argument-parser would call it an unexpected argument of compare).
        if let first = CommandLine.arguments.dropFirst().first, !first.hasPrefix("-") {
            let commands = configuration.subcommands.compactMap { $0.configuration.commandName }
            let names = commands + ["help"]
            if !names.contains(first) {
                let near = nearest(first, in: names).map { "; did you mean \($0)?" } ?? "."
                printError(
                    """
                    error: unknown command \(first)\(near) Commands: \(commands.joined(separator: ", ")) \
                    (liquidity --help).
                    """
                )
                Foundation.exit(2)
            }
        }
        do {
            var command = try parseAsRoot()
            try command.run()
            if let failure = NativeModels.failure {
                printError("warning: \(failure); that model ran on the tape instead (the same results, more slowly)")
            }
        } catch let error as InputError {
            printError("error: \(error.message)")
            Foundation.exit(2)
        } catch let error as SolveFailure {
            printError("error: \(error.description)")
            Foundation.exit(3)
        } catch let error as StoppedEarly {
            printError("error: \(error.description)")
            Foundation.exit(3)
        } catch let error as OutputError {
            printError("error: \(error.message)")
            Foundation.exit(4)
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
