import Experiments
import FileFormats
import Foundation
import Solvers

/// The report of a fit, as Markdown and JSON.
public struct CalibrationReport {
    package let fit: CalibrationFit
    package let config: String
    package let targetsFile: String
    package let fitFile: String
    package let fitMethod: String
    package let tool: Manifest.Tool

    public init(
        fit: CalibrationFit, config: String, targetsFile: String, fitFile: String, fitMethod: String,
        tool: Manifest.Tool
    ) {
        self.fit = fit
        self.config = config
        self.targetsFile = targetsFile
        self.fitFile = fitFile
        self.fitMethod = fitMethod
        self.tool = tool
    }

    package static func format(_ value: Double) -> String { String(format: "%.6g", value) }

    /// Every target against the model: value, band, model, residual in bands, weight, inside.
    public static func targetsTable(_ targets: [CalibrationTarget], values: [Double?], format: TableFormat) -> String {
        let rows = zip(targets, values).map { target, value -> [String] in
            let residual = value.map { ($0 - target.value) / target.band }
            let inside = residual.map { abs($0) <= 1 ? "yes" : "NO" } ?? "-"
            return [
                target.id, Self.format(target.value), "±" + Self.format(target.band),
                value.map(Self.format) ?? "not modelled",
                residual.map { String(format: "%+.2f", $0) } ?? "-",
                target.weight > 0 ? Self.format(target.weight) : "0 (reported)",
                target.weight > 0 ? inside : "(\(inside))",
            ]
        }
        return format.render(
            title: "targets against the model",
            header: ["target", "value", "band", "model", "residual (bands)", "weight", "inside"],
            rows: rows)
    }

    /// The targets table and one line on the fit, as `calibrate` prints them.
    public func summary() -> String {
        let s = fit.solution
        let fitted = zip(fit.calibration.targets, fit.residualsInBands).filter { $0.0.weight > 0 }
        let inside = fitted.filter { abs($0.1 ?? .infinity) <= 1 }.count
        var lines = [
            Self.targetsTable(fit.calibration.targets, values: fit.values, format: .table), "",
            """
            fit: \(s.iterations) iterations, \(s.residualEvaluations) model solves, stopped on \(s.stopReason); \
            cost \(Self.format(s.cost)); \(inside) of \(fitted.count) fitted targets inside their bands
            """,
        ]
        if !fit.unidentified.isEmpty {
            lines.append("not identified by the targets: \(fit.unidentified.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n")
    }

    /// The report as Markdown: targets, fitted parameters with standard errors, correlations, sources.
    public func markdown() -> String {
        let c = fit.calibration
        let s = fit.solution
        let penalties =
            c.bandPenalty > 0
            ? ", and of the band penalties \(Self.format(c.bandPenalty)) x max(|residual| - 0.95, 0)" : ""
        var lines = [
            "# Calibration report", "",
            """
            Made by `liquidity calibrate` (tool \(tool.version), commit \(tool.commit)) from `\(config)`, \
            targets `\(targetsFile)`, free parameters `\(fitFile)`.
            """,
            """
            Regime \(c.option), stepper \(c.stepper.rawValue) at tolerance \(c.tolerance); GSL trust region, \
            \(s.iterations) iterations, \(s.residualEvaluations) model solves, stopped on \(s.stopReason); cost \
            (sum of squared weighted residuals in bands\(penalties)) \(Self.format(s.cost)).
            """,
            "", "## Targets", "",
            """
            Residuals are (model - value) / band; a target is inside when |residual| <= 1. Weight 0: reported, \
            not fitted.
            """,
            "",
            // Without the title line and the blank line after it.
            Self.targetsTable(c.targets, values: fit.values, format: .markdown)
                .split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2).joined(separator: "\n"),
            "", "## Fitted parameters", "",
            "Standard errors from the Jacobian at the optimum, treating each band as one standard deviation.", "",
            "| parameter | start | fitted | standard error | bounds | identified |",
            "| --- | ---: | ---: | ---: | --- | --- |",
        ]
        for (j, parameter) in c.free.enumerated() {
            let start = (try? c.base.value(of: parameter.key)) ?? .nan
            let status =
                !fit.identified[j]
                ? "**no**: held at its start"
                : fit.atBound(j)
                    ? "at a bound: held there in the second pass"
                    : fit.isWeak(j) ? "weakly (standard error above half the bounds)" : "yes"
            let error = fit.standardErrors[j].isFinite ? Self.format(fit.standardErrors[j]) : "-"
            lines.append(
                """
                | `\(parameter.key)` | \(Self.format(start)) | \(Self.format(fit.freeValues[j])) | \(error) | \
                [\(Self.format(parameter.lower)), \(Self.format(parameter.upper))] | \(status) |
                """
            )
        }
        let identified = c.free.indices.filter { fit.identified[$0] }
        lines += [
            "", "## Correlations of the identified parameters", "",
            "| | " + identified.map { "`\(c.free[$0].key)`" }.joined(separator: " | ") + " |",
            "| --- |" + String(repeating: " ---: |", count: identified.count),
        ]
        for i in identified {
            lines.append(
                "| `\(c.free[i].key)` | "
                    + identified.map { String(format: "%+.2f", fit.correlation(i, $0)) }.joined(separator: " | ")
                    + " |")
        }
        lines += ["", "## Not identified", ""]
        lines.append(
            fit.unidentified.isEmpty
                ? "Every free parameter is identified by the targets."
                : "The targets do not determine: " + fit.unidentified.map { "`\($0)`" }.joined(separator: ", ")
                    + """
                     (moving it across its bounds moves the weighted residuals by less than 1e-3 of what the \
                    most influential parameter does). They are held at their starting values and the others \
                    fitted again; other evidence must set them.
                    """
        )
        lines += ["", "## Sources", ""]
        for target in c.targets {
            lines.append(
                "- `\(target.id)`: \(target.description). Model: \(target.quantity). Source: \(target.source)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    package struct JSONReport: Encodable {
        struct Target: Encodable {
            let id: String, value: Double, band: Double, weight: Double, model: Double?, residual_bands: Double?,
                inside: Bool?, quantity: String, source: String
        }
        struct Parameter: Encodable {
            let key: String, start: Double, fitted: Double, standard_error: Double?, lower: Double, upper: Double,
                identified: Bool
        }
        let tool: String, commit: String, config: String, targets_file: String, fit_file: String
        let regime: String, stepper: String, tolerance: Double, method: String
        let iterations: Int, model_solves: Int, stop_reason: String, cost: Double, band_penalty: Double
        let targets: [Target], parameters: [Parameter]
        let correlations: [[Double?]], not_identified: [String]
    }

    /// The report as JSON, keys sorted.
    public func json() throws -> String {
        let c = fit.calibration
        let s = fit.solution
        let p = c.free.count
        let report = JSONReport(
            tool: tool.version, commit: tool.commit, config: config, targets_file: targetsFile, fit_file: fitFile,
            regime: c.option, stepper: c.stepper.rawValue, tolerance: c.tolerance, method: fitMethod,
            iterations: s.iterations, model_solves: s.residualEvaluations, stop_reason: s.stopReason, cost: s.cost,
            band_penalty: c.bandPenalty,
            targets: zip(c.targets, fit.values).map { target, value in
                let residual = value.map { ($0 - target.value) / target.band }
                return .init(
                    id: target.id, value: target.value, band: target.band, weight: target.weight, model: value,
                    residual_bands: residual, inside: residual.map { abs($0) <= 1 }, quantity: "\(target.quantity)",
                    source: target.source)
            },
            parameters: c.free.enumerated().map { j, parameter in
                .init(
                    key: parameter.key, start: (try? c.base.value(of: parameter.key)) ?? .nan,
                    fitted: fit.freeValues[j],
                    standard_error: fit.standardErrors[j].isFinite ? fit.standardErrors[j] : nil,
                    lower: parameter.lower, upper: parameter.upper,
                    identified: fit.identified[j])
            },
            correlations: (0..<p).map { i in
                (0..<p).map { j in fit.correlation(i, j).isFinite ? fit.correlation(i, j) : nil }
            },
            not_identified: fit.unidentified)
        return try JSON.text(report)
    }
}
