import ArgumentParser
import CReference
#if LIQUIDITY_CVODE
import CVODEPeer
#endif
import FileFormats
import Foundation
import LiquidityC
import FlowModel
import Solvers
import Application
import Reports

/// Benchmarks, run in release mode: `swift run -c release liquidity-bench <command>`.
@main
struct LiquidityBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "liquidity-bench",
        abstract: "Benchmarks of the liquidity package, each against a baseline measured in the same run.",
        subcommands: [Overhead.self, ModelSolve.self, Throughput.self, Peers.self, Scaling.self, Python.self, LU.self, WorkPrecision.self, Sparsity.self])
}
