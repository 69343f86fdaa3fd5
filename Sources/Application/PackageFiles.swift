import Experiments
import FileFormats
import FlowModel
import Foundation
import Reports
import Solvers

/// The package's own files: the default model, its configurations and the
/// committed fits of its model files, found in the current directory or
/// beside an anchor (the tool's executable, the Python package's library).
public enum PackageFiles {
    /// The default model of every command, and its configuration.
    public static let model = "models/liquidity-priced.sfc"
    public static let config = "calibration/liquidity-priced-2026.toml"
    /// MODEL.md's model.
    public static let reverseQE = "models/reverse-qe.sfc"
    /// The history table's columns: the FRED series, file, unit and scale of each (`history`).
    public static let historyColumns = "calibration/fred-columns.csv"
    /// The historical configuration's figures that the data do not hold (`history --make-config`).
    public static let historyInputs = "calibration/history-inputs.toml"
    /// The cells of the notebook that `--notebook` exports, with placeholders for the run's values.
    public static let notebookTemplate = "notebooks-export/dashboard.py"

    /// What `calibrate` and `backtest` start from and fit for one of the package's model files.
    public struct Fit: Sendable {
        /// The starting configuration (nil: the file's own values), the targets and the free parameters.
        public let start: String?, targets: String, fit: String
    }

    /// The committed fits, by the model file's name.
    public static let fits: [String: Fit] = [
        "liquidity.sfc": Fit(
            start: nil, targets: "calibration/targets-liquidity.toml", fit: "calibration/fit-liquidity.toml"),
        "liquidity-priced.sfc": Fit(
            start: "calibration/liquidity-priced.toml", targets: "calibration/targets-liquidity-priced.toml",
            fit: "calibration/fit-liquidity-priced.toml"),
        "reverse-qe.sfc": Fit(
            start: "calibration/modelmd.toml", targets: "calibration/targets.toml", fit: "calibration/fit.toml"),
    ]

    /// The committed estimation files, by the model file's name: the configuration the
    /// posterior's model starts from, and the estimation file (observables, priors, sampler).
    public static let estimations: [String: (start: String, file: String)] = [
        "liquidity.sfc": ("calibration/liquidity.toml", "calibration/estimate-liquidity.toml"),
        "liquidity-priced.sfc": ("calibration/liquidity-priced.toml", "calibration/estimate-liquidity-priced.toml"),
    ]

    /// The committed drivers files of `decompose`, by the model file's name: the configuration
    /// of the history, its end, and the drivers.
    public static let decompositions: [String: (config: String, end: Double, drivers: String)] = [
        "liquidity.sfc": ("calibration/liquidity.toml", 2026.0, "calibration/drivers-liquidity.toml"),
        "liquidity-priced.sfc": (
            "calibration/liquidity-priced.toml", 2026.0, "calibration/drivers-liquidity-priced.toml"
        ),
    ]

    /// Why a model file runs with its own values where a reader could expect the default
    /// configuration: a file other than the package's default model whose `model` line names the
    /// same model (an edited copy). Nil when a configuration is given or the model is another.
    public static func ownValuesNote(model: String, config: String?, anchors: [String]) -> String? {
        guard config == nil, !isPackageFile(model, PackageFiles.model, anchors: anchors),
            let packaged = locate(PackageFiles.model, anchors: anchors),
            let name = try? ModelFiles.source(model).name, name == (try? ModelFiles.source(packaged).name)
        else { return nil }
        return """
            its own values: it is the model \(name) but not the package's file, whose configuration \
            \(PackageFiles.config) goes with --config
            """
    }

    /// The committed restarts of `restart`, by the model file's name: the fitted configuration
    /// that is run to the restart date, and the restart file.
    public static let restarts: [String: (config: String, file: String)] = [
        "liquidity-priced.sfc": ("calibration/liquidity-priced.toml", "calibration/restart-liquidity-priced.toml"),
        "liquidity.sfc": ("calibration/liquidity.toml", "calibration/restart-liquidity.toml"),
    ]

    /// The running executable's own path (`/proc/self/exe`), wherever it was called from: the
    /// anchor of the tool's files, which `argv[0]` is not when the tool is found on `PATH`.
    public static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Where ``scripts/install.sh PREFIX`` puts the package's files, under an anchor's folder above it.
    public static let installed = "share/liquidity"

    /// `relative` in the current directory, or in a folder above one of `anchors` (six levels at
    /// most), or in such a folder's `share/liquidity` (an installed tool: `PREFIX/bin/liquidity`
    /// finds `PREFIX/share/liquidity/models/...`).
    public static func locate(_ relative: String, anchors: [String]) -> String? {
        if FileManager.default.fileExists(atPath: relative) { return relative }
        for anchor in anchors {
            var directory = URL(fileURLWithPath: anchor).resolvingSymlinksInPath().deletingLastPathComponent()
            for _ in 0..<6 {
                for base in [directory, directory.appendingPathComponent(installed)] {
                    let candidate = base.appendingPathComponent(relative).path
                    if FileManager.default.fileExists(atPath: candidate) { return candidate }
                }
                directory = directory.deletingLastPathComponent()
            }
        }
        return nil
    }

    /// ``locate(_:anchors:)``'s path, or bad input saying the file is missing beside `what`
    /// (the tool, the package).
    public static func required(_ relative: String, anchors: [String], beside what: String) throws -> String {
        guard let path = locate(relative, anchors: anchors) else {
            throw InputError("\(relative) not found beside \(what) or in the current folder")
        }
        return path
    }

    /// Whether `path` is the package's `relative` file as `anchors` find it (symbolic links and
    /// relative paths resolved): the default model however it is named.
    public static func isPackageFile(_ path: String, _ relative: String, anchors: [String]) -> Bool {
        func resolved(_ path: String) -> String {
            URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
        }
        guard let known = locate(relative, anchors: anchors) else { return false }
        return resolved(path) == resolved(known)
    }

    /// The entry of `table` (by a model file's name) for `model` (nil: the default model), when
    /// `model` is that package file, however it is named.
    public static func committed<T>(_ table: [String: T], of model: String?, anchors: [String]) -> T? {
        let name = ((model ?? PackageFiles.model) as NSString).lastPathComponent
        if let model, !isPackageFile(model, "models/" + name, anchors: anchors) { return nil }
        return table[name]
    }

    /// The committed fit of `model` (nil: the default model), when it is one of the package's files.
    public static func fit(of model: String?, anchors: [String]) -> Fit? {
        // Its files where the package's are, wherever the tool runs from.
        committed(fits, of: model, anchors: anchors).map { fit in
            Fit(
                start: fit.start.map { locate($0, anchors: anchors) ?? $0 },
                targets: locate(fit.targets, anchors: anchors) ?? fit.targets,
                fit: locate(fit.fit, anchors: anchors) ?? fit.fit)
        }
    }
}
