import RealModule

/// The forecasts a model's must beat, and the test that says whether it does: no change, an AR(1)
/// per series, a VAR in monthly changes with its lag order by BIC, and the Diebold-Mariano test.
public enum ForecastBenchmarks {
    /// Least squares: the coefficients b minimising |y - X b| (X row major, n x k), by the normal
    /// equations' Cholesky factor; nil when X'X is singular.
    static func leastSquares(_ x: [[Double]], _ y: [Double]) -> [Double]? {
        let k = x.first?.count ?? 0
        var xtx = [Double](repeating: 0, count: k * k)
        var xty = [Double](repeating: 0, count: k)
        for (row, target) in zip(x, y) {
            for i in 0..<k {
                xty[i] += row[i] * target
                for j in 0..<k { xtx[i * k + j] += row[i] * row[j] }
            }
        }
        guard let inverse = SymmetricMatrix.inverse(xtx, k) else { return nil }
        return (0..<k).map { i in (0..<k).reduce(0) { $0 + inverse[i * k + $1] * xty[$1] } }
    }

    /// The AR(1) y_t = c + phi y_(t-1) fitted to `y` (consecutive observations) and iterated `h` steps
    /// from its last value; nil with fewer than 4 observations.
    public static func ar1(_ y: [Double], steps h: Int) -> Double? {
        guard y.count >= 4, let b = leastSquares(y.dropLast().map { [1, $0] }, Array(y.dropFirst())) else {
            return nil
        }
        var value = y.last!
        for _ in 0..<h { value = b[0] + b[1] * value }
        return value
    }

    /// A VAR in the first differences of the columns of `levels` (T x k, consecutive months), with an
    /// intercept and the lag order in 1...maxLag that minimises BIC on a common sample; its
    /// forecast of the levels `h` steps after the last row. Nil when it cannot be estimated.
    public static func varForecast(_ levels: [[Double]], steps h: Int, maxLag: Int = 3) -> [Double]? {
        let changes = zip(levels.dropFirst(), levels).map { zip($0, $1).map { $0 - $1 } }
        guard let k = levels.first?.count, changes.count > maxLag + (maxLag * k + 1) + 2 else { return nil }
        func design(_ p: Int, from start: Int) -> [[Double]] {
            (start..<changes.count).map { t -> [Double] in [1] + (1...p).flatMap { changes[t - $0] } }
        }
        var best: (bic: Double, p: Int, b: [[Double]])?
        for p in 1...maxLag {
            let x = design(p, from: maxLag)
            let n = Double(x.count)
            var coefficients: [[Double]] = []
            var residuals = [[Double]](repeating: [], count: k)
            for j in 0..<k {
                let y = (maxLag..<changes.count).map { changes[$0][j] }
                guard let b = leastSquares(x, y) else { return nil }
                coefficients.append(b)
                residuals[j] = zip(x, y).map { row, target in target - zip(row, b).reduce(0) { $0 + $1.0 * $1.1 } }
            }
            // log det of the residuals' covariance, by its Cholesky factor.
            var sigma = [Double](repeating: 0, count: k * k)
            for i in 0..<k {
                for j in 0..<k {
                    sigma[i * k + j] = zip(residuals[i], residuals[j]).reduce(0) { $0 + $1.0 * $1.1 } / n
                }
            }
            guard let factor = SymmetricMatrix.cholesky(sigma, k) else { return nil }
            let logDet = 2 * (0..<k).reduce(0) { $0 + Double.log(factor[$1 * k + $1]) }
            let bic = logDet + Double.log(n) / n * Double(k * (p * k + 1))
            if best == nil || bic < best!.bic { best = (bic, p, coefficients) }
        }
        guard let (_, p, b) = best else { return nil }
        var history = changes
        var level = levels.last!
        for _ in 0..<h {
            let row: [Double] = [1] + (1...p).flatMap { history[history.count - $0] }
            let next = b.map { coefficients in zip(row, coefficients).reduce(0.0) { $0 + $1.0 * $1.1 } }
            history.append(next)
            level = zip(level, next).map(+)
        }
        return level
    }

    /// The Diebold-Mariano test of equal squared-error loss of two forecasts' errors at horizon h
    /// (Diebold and Mariano 1995), with the Newey-West variance over h - 1 lags and Harvey,
    /// Leybourne and Newbold's (1997) small-sample correction, against Student's t with n - 1
    /// degrees of freedom: the statistic (positive: the first forecast's loss is larger) and the
    /// two-sided p-value. NaN with fewer than twice h pairs (overlapping h-step errors leave too
    /// few independent ones, and the correction vanishes as n nears h), or no variance.
    public static func dieboldMariano(_ first: [Double], _ second: [Double], horizon h: Int) -> (
        statistic: Double, p: Double
    ) {
        let d = zip(first, second).map { $0 * $0 - $1 * $1 }
        let n = Double(d.count)
        guard d.count >= 3, d.count >= 2 * h else { return (.nan, .nan) }
        let mean = d.reduce(0, +) / n
        func autocovariance(_ lag: Int) -> Double {
            (lag..<d.count).reduce(0) { $0 + (d[$1] - mean) * (d[$1 - lag] - mean) } / n
        }
        var variance = autocovariance(0)
        for lag in stride(from: 1, to: min(h, d.count), by: 1) {
            variance += 2 * (1 - Double(lag) / Double(h)) * autocovariance(lag)
        }
        guard variance > 0 else { return (.nan, .nan) }
        let hh = Double(h)
        let correction = ((n + 1 - 2 * hh + hh * (hh - 1) / n) / n).squareRoot()
        let statistic = correction * mean / (variance / n).squareRoot()
        return (statistic, 2 * studentTail(abs(statistic), degrees: n - 1))
    }

    /// P(T > t) for Student's t with `degrees` degrees of freedom: half the regularised incomplete
    /// beta I_x(nu / 2, 1 / 2) at x = nu / (nu + t^2).
    static func studentTail(_ t: Double, degrees nu: Double) -> Double {
        0.5 * incompleteBeta(nu / (nu + t * t), a: nu / 2, b: 0.5)
    }

    /// The regularised incomplete beta I_x(a, b) by its continued fraction (Lentz's method).
    static func incompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        guard x > 0 else { return 0 }
        guard x < 1 else { return 1 }
        if x > (a + 1) / (a + b + 2) { return 1 - incompleteBeta(1 - x, a: b, b: a) }
        let logFront =
            Double.logGamma(a + b) - Double.logGamma(a) - Double.logGamma(b) + a * Double.log(x)
            + b * Double.log(1 - x)
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        d = 1 / (abs(d) < tiny ? tiny : d)
        var f = d
        for m in 1...300 {
            let m = Double(m)
            for numerator in [
                m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
            ] {
                d = 1 + numerator * d
                d = 1 / (abs(d) < tiny ? tiny : d)
                c = 1 + numerator / c
                if abs(c) < tiny { c = tiny }
                f *= c * d
            }
            if abs(c * d - 1) < 1e-15 { break }
        }
        return Double.exp(logFront) * f / a
    }
}
