import Application
import ArgumentParser
import Experiments
import FileFormats
import FlowModel
import Foundation
import Solvers

/// A new parameter vector on a compiled model (issue 25) against a compile for each, in the same
/// run: the solves of a sweep of `scenarios/fan-2026-liquidity.toml` and the history fit's evaluations.
struct Reuse: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: """
            Compile once, solve many: sweep runs and fit evaluations with the parameters set on a compiled model, \
            against a compile for each (the code before), in the same run.
            """)

    @Option(help: "Runs of the sweep, and evaluations of the fit, per measurement.")
    var runs = 100

    @Option(help: "Only this part: sweep, fit, both, or priced (the default model's fan, tape then --native).")
    var part = "both"

    @Option(help: "The fit's stepper instead of the fit file's (msbdf).")
    var solver: String?

    func run() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
        let source = try ModelFiles.source(path("models/liquidity.sfc"))
        print("| workload | per compile (s) | per setting (s) | ratio |")
        print("| --- | ---: | ---: | ---: |")
        let settings = try ModelFiles.settings(configuration: path("calibration/liquidity-2026.toml"), for: source)
        if part == "priced" {
            try pricedSweep(path)
            return
        }
        if part != "fit" {
            // The compile alone against a setting alone, on the default configuration.
            let base = try compileModel(source, settings: settings)
            var changed = settings
            changed.parameters["psi"] = 0.55
            let compile = measure { for _ in 0..<runs { _ = try? compileModel(source, settings: changed) } }
            let set = measure { for _ in 0..<runs { _ = base.setting(changed.parameters) } }
            if base.setting(changed.parameters) == nil {
                for key in changed.parameters.keys.sorted() where base.setting([key: changed.parameters[key]!]) == nil
                {
                    print("cannot set \(key) = \(changed.parameters[key]!)")
                }
            }
            print(
                "| the default model for new parameters, no solve | \(format(compile / Double(runs), digits: 5)) | "
                    + "\(format(set / Double(runs), digits: 5)) | \(format(compile / set, digits: 1)) |")
            // The sweep: each run's point on the default configuration, under both regimes.
            try sweep(
                source, settings, spec: path("scenarios/fan-2026-liquidity.toml"), native: false,
                workload: "a run of scenarios/fan-2026-liquidity.toml (msbdf 1e-8, 2026-2032)")
        }
        if part != "sweep" {
            // The history fit's objective: the targets on a new parameter vector near the start.
            let job = try CalibrationJob(
                model: path("models/liquidity.sfc"), config: path("calibration/liquidity.toml"),
                targets: path("calibration/targets-liquidity.toml"), fit: path("calibration/fit-liquidity.toml"),
                check: false)
            var calibration = job.calibration
            if let solver {
                guard let stepper = Stepper(rawValue: solver) else {
                    throw ValidationError("unknown stepper \(solver)")
                }
                calibration.stepper = stepper
            }
            let start = try calibration.free.map { try calibration.base.value(of: $0.key) }
            let vectors = (0..<runs).map { k in
                zip(start, calibration.free).map { value, free in
                    min(free.upper, max(free.lower, value * (1 + 1e-4 * Double(k % 7 - 3))))
                }
            }
            guard let base = calibration.base as? FileCalibrationModel else { return }
            var compiled: [[Double?]] = []
            let before = measure {
                for vector in vectors {
                    var model = FileCalibrationModel(source: base.source, settings: base.settings, choice: base.choice)
                    for (free, value) in zip(calibration.free, vector) {
                        model = (try? model.setting(free.key, to: value)) ?? model
                    }
                    compiled.append((try? calibration.evaluate(model).values) ?? [])
                }
            }
            var reused: [[Double?]] = []
            let after = measure {
                for vector in vectors {
                    reused.append((try? calibration.evaluate(try calibration.parameters(vector)).values) ?? [])
                }
            }
            guard compiled == reused else { throw ValidationError("the fit's values differ") }
            let n = Double(vectors.count)
            print(
                "| an evaluation of the history fit (\(calibration.stepper) \(calibration.tolerance), "
                    + "2022-07 to 2025-12, 140 targets) | "
                    + "\(format(before / n, digits: 4)) | \(format(after / n, digits: 4)) | "
                    + "\(format(before / after, digits: 2)) |")
        }
    }

    /// A sweep's run as it was solved before issue 25: compiled for its point, then solved as
    /// ``FileEnsembleModel`` solves it.
    func compiledRun(_ source: ModelSource, _ settings: ModelSettings, id: RunID, point: [Double], spec: EnsembleSpec)
        -> EnsembleRun
    {
        var solve = SolveSettings(
            stepper: spec.stepper, relativeTolerance: spec.tolerance, absoluteTolerance: spec.tolerance,
            maxSteps: 200_000, saveStep: source.saveStep ?? 1.0 / 12)
        solve.saveMode = spec.saveMode
        guard let model = try? compileModel(source, settings: settings, checkingMatrices: false),
            let path = try? solve.solve(model, label: id.option)
        else {
            return EnsembleRun(id: id, point: point, status: .invalid, steps: 0, outcomes: nil, message: "", paths: [])
        }
        return EnsembleRun(
            id: id, point: point, status: .success, steps: path.solution.statistics.steps,
            outcomes: path.summaries.map(\.value), message: "", paths: [])
    }
}

extension Reuse {
    /// The default model's fan (`scenarios/fan-2026.toml`, rk8pd 1e-8, 2026-2032): a compile and the
    /// tape for each run (the code before issue 25), against a setting with the right-hand side
    /// and the output series as machine code, in the same run, with the same outcomes.
    func pricedSweep(_ path: (String) -> String) throws {
        let source = try ModelFiles.source(path("models/liquidity-priced.sfc"))
        let settings = try ModelFiles.settings(
            configuration: path("calibration/liquidity-priced-2026.toml"), for: source)
        try sweep(
            source, settings, spec: path("scenarios/fan-2026.toml"), native: true,
            workload: "a run of scenarios/fan-2026.toml (rk8pd 1e-8, 2026-2032), a compile on the tape each")
    }

    /// `runs` runs of the sweep `spec` compiled for each run on the tape (the code before issue 25),
    /// against the same runs set on a compiled model (with `native`, as machine code), in the same
    /// run; refused unless their outcomes are the same. Prints the table's row.
    func sweep(_ source: ModelSource, _ settings: ModelSettings, spec file: String, native: Bool, workload: String)
        throws
    {
        let model = try FileEnsembleModel(source: source, settings: settings, choice: "regime")
        let spec = try SweepSpecFile.read(file, model: model)
        let ensemble = Ensemble(spec, model: model)
        let ids = Array(try ensemble.runs(shard: 1, of: 1).prefix(runs))
        let keys = spec.parameters.map(\.key)
        let points = sweepPoints(spec.parameters.map { ($0.key, $0.distribution) }, design: spec.design)
        NativeCode.uninstall()
        var compiled: [EnsembleRun] = []
        let before = measure {
            for id in ids {
                var s = settings
                for (key, value) in zip(keys, points[id.run]) { s.parameters[key] = value }
                s.choices["regime"] = id.option
                compiled.append(compiledRun(source, s, id: id, point: points[id.run], spec: spec))
            }
        }
        if native {
            try NativeModels.install()
            // The C compiler, once for each regime's structure, outside the clock (a cache on disk keeps it).
            for option in Set(ids.map(\.option)) {
                let id = ids.first { $0.option == option }!
                _ = model.solve(id, keys: keys, point: points[id.run], spec: spec)
            }
        }
        defer { NativeCode.uninstall() }
        var reused: [EnsembleRun] = []
        let after = measure {
            for id in ids { reused.append(model.solve(id, keys: keys, point: points[id.run], spec: spec)) }
        }
        guard compiled.map(\.outcomes) == reused.map(\.outcomes) else {
            throw ValidationError("the sweep's outcomes differ between a compile on the tape and a setting")
        }
        let n = Double(ids.count)
        print(
            "| \(workload) | \(format(before / n, digits: 4)) | \(format(after / n, digits: 4))"
                + (native ? " (setting, --native)" : "") + " | \(format(before / after, digits: 2)) |")
    }
}
