import Experiments
import Foundation

/// What `liquidity estimate` writes for a person: the report and the prior-against-posterior chart.
public enum PosteriorReport {
    /// The prior's density on [lower, upper], normalised there, at `count` points.
    static func priorCurve(_ p: EstimatedParameter, from a: Double, to b: Double, count: Int = 120)
        -> [(x: Double, density: Double)]
    {
        let grid = (0...400).map { p.lower + (p.upper - p.lower) * Double($0) / 400 }
        let raw = grid.map { Foundation.exp(p.prior.logDensity($0, lower: p.lower, upper: p.upper)) }
        var mass = 0.0
        for k in 1..<grid.count where raw[k].isFinite && raw[k - 1].isFinite {
            mass += 0.5 * (raw[k] + raw[k - 1]) * (grid[k] - grid[k - 1])
        }
        return (0..<count).map { k in
            let x = a + (b - a) * Double(k) / Double(count - 1)
            let d = Foundation.exp(p.prior.logDensity(x, lower: p.lower, upper: p.upper)) / max(mass, 1e-300)
            return (x, d.isFinite ? d : 0)
        }
    }

    /// Small multiples, one per parameter: the posterior's histogram (bars) against the prior's
    /// density (line), over the posterior's central 99.8% widened to the prior's central 90%.
    public static func chart(_ summary: PosteriorSummary, chains: Chains, title: String) -> String {
        let panels = summary.parameters.count
        let columns = min(4, max(panels, 1))
        let rows = (panels + columns - 1) / columns
        let (w, h) = (260.0, 170.0)
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(w * Double(columns)))" \
            height="\(Int(h * Double(rows) + 60))" font-family="DejaVu Sans, sans-serif">
            <rect width="100%" height="100%" fill="white"/>
            <text x="12" y="24" font-size="15" font-weight="bold">\(Charts.escape(title))</text>
            <text x="12" y="44" font-size="11" fill="#555">bars: posterior draws; line: prior; dashed: \
            posterior mode</text>

            """
        for (j, s) in summary.parameters.enumerated() {
            let draws = chains.parameter(j).flatMap { $0 }
            let p = s.parameter
            let prior = priorCurve(p, from: p.lower, to: p.upper, count: 401)
            var cumulative = 0.0
            var central = (p.lower, p.upper)
            let total = zip(prior.dropFirst(), prior).reduce(0) {
                $0 + 0.5 * ($1.0.density + $1.1.density) * ($1.0.x - $1.1.x)
            }
            for k in 1..<prior.count {
                let before = cumulative
                cumulative +=
                    0.5 * (prior[k].density + prior[k - 1].density) * (prior[k].x - prior[k - 1].x)
                    / max(total, 1e-300)
                if before < 0.05 && cumulative >= 0.05 { central.0 = prior[k].x }
                if before < 0.95 && cumulative >= 0.95 { central.1 = prior[k].x }
            }
            var a = min(ChainDiagnostics.quantile(draws, 0.001), central.0)
            var b = max(ChainDiagnostics.quantile(draws, 0.999), central.1)
            if !(b > a) { (a, b) = (p.lower, p.upper) }
            let bins = 30
            var counts = [Double](repeating: 0, count: bins)
            for x in draws where x >= a && x <= b { counts[min(Int((x - a) / (b - a) * Double(bins)), bins - 1)] += 1 }
            let width = (b - a) / Double(bins)
            let densities = counts.map { $0 / (Double(draws.count) * width) }
            let curve = priorCurve(p, from: a, to: b)
            let top = max(densities.max() ?? 1, curve.map(\.density).max() ?? 1) * 1.08
            let ox = w * Double(j % columns)
            let oy = 60 + h * Double(j / columns)
            let (left, right, upper, lower) = (ox + 14, ox + w - 14, oy + 24, oy + h - 30)
            func px(_ x: Double) -> Double { left + (x - a) / (b - a) * (right - left) }
            func py(_ d: Double) -> Double { lower - d / top * (lower - upper) }
            let flag = s.atBound ? " (at a bound)" : ""
            svg +=
                """
                <text x="\(ox + w / 2)" y="\(oy + 14)" text-anchor="middle" font-size="12" \
                font-weight="bold">\(Charts.escape(p.key + flag))</text>

                """
            for (k, d) in densities.enumerated() where d > 0 {
                let x0 = px(a + Double(k) * width)
                svg +=
                    """
                    <rect x="\(x0)" y="\(py(d))" width="\(max(px(a + Double(k + 1) * width) - x0 - 0.5, 0.5))" \
                    height="\(lower - py(d))" fill="#9ecae1"/>

                    """
            }
            let points = curve.map { "\(px($0.x)),\(py($0.density))" }.joined(separator: " ")
            svg += "<polyline points=\"\(points)\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"1.5\"/>\n"
            if s.mode >= a && s.mode <= b {
                svg +=
                    """
                    <line x1="\(px(s.mode))" x2="\(px(s.mode))" y1="\(upper)" y2="\(lower)" stroke="#333" \
                    stroke-dasharray="4,3"/>

                    """
            }
            svg += "<line x1=\"\(left)\" x2=\"\(right)\" y1=\"\(lower)\" y2=\"\(lower)\" stroke=\"#333\"/>\n"
            // The end labels lean inwards, clear of the next panel's.
            for (x, anchor) in [(a, "start"), ((a + b) / 2, "middle"), (b, "end")] {
                svg +=
                    """
                    <text x="\(px(x))" y="\(lower + 14)" text-anchor="\(anchor)" font-size="10">\
                    \(Charts.label(x))</text>

                    """
            }
        }
        return svg + "</svg>\n"
    }

    static func number(_ x: Double) -> String {
        guard x.isFinite else { return x.isNaN ? "-" : (x > 0 ? "inf" : "-inf") }
        return abs(x) >= 1e4 || (abs(x) < 1e-3 && x != 0) ? String(format: "%.3g", x) : String(format: "%.4g", x)
    }

    /// The report: the data, the mode, the chains' convergence, each parameter, the flags, and the
    /// fit at the mode series by series.
    public static func markdown(
        title: String, inputs: [String], mode: PosteriorMode, chains: Chains, summary: PosteriorSummary,
        settings: SamplerSettings, fit: [(series: String, rmse: Double, autocorrelation: Double, count: Int)]
    ) -> String {
        let shifted = "; the curvature was shifted or capped to be inverted (a parameter the data barely move)"
        let acceptance = chains.acceptance.map { String(format: "%.2f", $0) }.joined(separator: ", ")
        let converged = summary.maxRHat <= 1.01 && summary.minESS >= 400
        let worst = summary.parameters.max { $0.rHat < $1.rHat }
        let least = summary.parameters.min { $0.ess < $1.ess }
        var lines = ["# \(title)", ""] + inputs.map { "- \($0)" } + [""]
        lines += [
            "## Mode",
            "",
            """
            Log posterior \(number(mode.posterior.logPosterior)) (log likelihood \
            \(number(mode.posterior.logLikelihood)), \
            of which targets \(number(mode.posterior.logTargets)); log prior \(number(mode.posterior.logPrior))), \
            after \(mode.iterations) BFGS iterations (\(mode.stopReason)); \(mode.evaluations) evaluations with \
            the curvature\(mode.regularised ? shifted : "").
            """,
            "",
            "## Chains",
            "",
            """
            \(settings.chains) adaptive Metropolis chains, \(settings.warmup) warm-up and \(settings.draws) \
            further iterations each\(settings.thin > 1 ? ", every \(settings.thin)th kept" : "") (seed \
            \(settings.seed)); acceptance \(acceptance); \(chains.failures.reduce(0, +)) \
            kept-phase proposals where the model failed; \(chains.evaluations) evaluations.
            """,
            "",
            """
            **\(converged ? "Converged" : "Not converged")**: largest rank-normalised split R-hat \
            \(number(summary.maxRHat))\(worst.map { " (\($0.parameter.key))" } ?? ""), smallest bulk effective \
            sample size \(number(summary.minESS))\(least.map { " (\($0.parameter.key))" } ?? "") (Vehtari et al. \
            2021: R-hat <= 1.01 and ESS >= 400 for every parameter).
            """,
            "",
            "## Parameters",
            "",
            "| parameter | bounds | prior | mode | Laplace se | mean | sd | 5% | 95% | R-hat | ESS | flag |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for s in summary.parameters {
            let p = s.parameter
            lines.append(
                "| \(p.key) | [\(number(p.lower)), \(number(p.upper))] | \(p.prior) | \(number(s.mode)) | "
                    + "\(number(s.modeError)) | \(number(s.mean)) | \(number(s.sd)) | \(number(s.q05)) | "
                    + "\(number(s.q95)) | \(number(s.rHat)) | \(number(s.ess)) | \(s.atBound ? "at a bound" : "") |")
        }
        lines += ["", "## Flags", ""]
        let bound = summary.parameters.filter(\.atBound).map(\.parameter.key)
        lines.append(
            bound.isEmpty
                ? "No parameter at a bound."
                : "At a bound (the bounds, not the data, decide them): \(bound.joined(separator: ", ")).")
        lines.append(
            summary.correlated.isEmpty
                ? "No pair of parameters correlated beyond ±0.9."
                : "Correlated beyond ±0.9 (the data move them together, not apart): "
                    + summary.correlated.map {
                        "\($0.first) and \($0.second) (\(String(format: "%.3f", $0.correlation)))"
                    }
                    .joined(separator: ", ") + ".")
        lines += [
            "", "## Fit at the mode", "",
            "Errors are data minus model, monthly, in the data's units (in logs for log-scale series). A first-order",
            "autocorrelation near 1 says the misses are persistent: the model misses a trend, not noise.", "",
            "| series | months | RMSE | autocorrelation |", "|---|---:|---:|---:|",
        ]
        for f in fit {
            lines.append("| \(f.series) | \(f.count) | \(number(f.rmse)) | \(number(f.autocorrelation)) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
