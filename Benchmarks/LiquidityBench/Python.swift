import Application
import ArgumentParser
import CReference
import FileFormats
import FlowModel
import Foundation
import LiquidityC
import Reports
import Solvers

/// Single runs of the default model from Python (the package in python/, through
/// ctypes) against the same call made in-process from Swift, in one run.
struct Python: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: """
            Runs per second of liquidity.run() and of a loaded model's run() from Python, against the same \
            library call from Swift.
            """)

    @Option(help: "Runs per measurement.")
    var runs = 200

    @Option(help: "The request, as the Python package sends it (JSON).")
    var request = #"{"solver": "msbdf", "rtol": 1e-6, "atol": 1e-6}"#

    func run() throws {
        let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let anchored =
            String(request.dropLast()) + #", "anchor": "\#(root.appendingPathComponent("Package.swift").path)"}"#
        func swiftRate() -> Double {
            Double(runs)
                / measure {
                    for _ in 0..<runs {
                        let handle = anchored.withCString { liq_run($0) }
                        precondition(liq_status(handle) == 0, String(cString: liq_error(handle)))
                        liq_free(handle)
                    }
                }
        }
        // The library this benchmark links, in the same build folder.
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let library = executable.deletingLastPathComponent().appendingPathComponent("libLiquidityC.so").path
        // The request's options as Python reads them (JSON's true is Python's True).
        let options = "**options"
        let script = """
            import json, time, sys
            sys.path.insert(0, 'python')
            import liquidity
            options = json.loads(\(String(reflecting: request)))
            liquidity.run(\(options))
            start = time.perf_counter()
            for _ in range(\(runs)):
                liquidity.run(\(options))
            print(\(runs) / (time.perf_counter() - start))
            model = liquidity.load(\(options))
            model.run()
            start = time.perf_counter()
            for _ in range(\(runs)):
                model.run()
            print(\(runs) / (time.perf_counter() - start))
            """
        /// liquidity.run()'s rate, then a loaded model's.
        func pythonRate() throws -> (Double, Double) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", script]
            process.environment = ProcessInfo.processInfo.environment.merging(["LIQUIDITY_LIBRARY": library]) { $1 }
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            process.waitUntilExit()
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let rates = text.split(separator: "\n").compactMap { Double($0) }
            guard process.terminationStatus == 0, rates.count == 2 else {
                throw ValidationError("the Python measurement failed: \(text)")
            }
            return (rates[0], rates[1])
        }
        _ = swiftRate()
        // Alternate the two, twice each, and keep each one's better rate.
        var swift = 0.0
        var python = 0.0
        var loaded = 0.0
        for _ in 0..<2 {
            swift = max(swift, swiftRate())
            let (one, many) = try pythonRate()
            (python, loaded) = (max(python, one), max(loaded, many))
        }
        print("Single runs of the default model (request \(request)), \(runs) runs a measurement, one core:")
        print("")
        print("| caller | runs per second | ratio |")
        print("| --- | ---: | ---: |")
        print("| Swift, liq_run in-process | \(format(swift)) | 1.00 |")
        print("| Python, liquidity.run() (DataFrame) | \(format(python)) | \(format(python / swift, digits: 2)) |")
        print(
            "| Python, liquidity.load() once, then model.run() (DataFrame) | \(format(loaded)) | "
                + "\(format(loaded / swift, digits: 2)) |")
    }
}
