import Application
import ArgumentParser
import CReference
import FileFormats
import FlowModel
import Foundation
import LiquidityC
import Reports
import Solvers

/// Benchmarks, run in release mode: `swift run -c release liquidity-bench <command>`.
@main
struct LiquidityBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "liquidity-bench",
        abstract: "Benchmarks of the liquidity package, each against a baseline measured in the same run.",
        subcommands: [
            Overhead.self, ModelSolve.self, Throughput.self, Peers.self, Scaling.self, Python.self, LU.self,
            WorkPrecision.self, Sparsity.self, Reuse.self, LikelihoodBench.self,
        ])
}
