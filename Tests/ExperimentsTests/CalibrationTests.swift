import Foundation
import Testing

@testable import Experiments
@testable import FlowModel
@testable import Solvers

/// The reverse-QE model file, parsed.
enum ReverseQE {
    static let source: ModelSource = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try! String(contentsOf: root.appendingPathComponent("models/reverse-qe.sfc"), encoding: .utf8)
        return try! parseModel(text, file: "models/reverse-qe.sfc")
    }()

    /// The file with `parameters` (and a span ending at `end`), as a calibration moves it.
    static func model(_ parameters: [String: Double] = [:], end: Double? = nil, choices: [String: String] = [:])
        -> FileCalibrationModel
    {
        FileCalibrationModel(
            source: source, settings: ModelSettings(choices: choices, parameters: parameters, end: end),
            choice: "regime")
    }

    /// The file solved with rk8pd at 1e-10, monthly.
    static func path(_ parameters: [String: Double] = [:], choices: [String: String] = [:], stepper: Stepper = .rk8pd)
        throws -> ModelSolution
    {
        try SolveSettings(stepper: stepper).solve(
            try compileModel(source, settings: ModelSettings(choices: choices, parameters: parameters)), label: "test")
    }
}

@Suite("Calibration", .serialized)
struct CalibrationTests {
    static func target(
        _ id: String, _ quantity: TargetQuantity, value: Double = 0, band: Double = 1, weight: Double = 1
    ) -> CalibrationTarget {
        CalibrationTarget(
            id: id, description: id, quantity: quantity, value: value, band: band, weight: weight, source: "test")
    }

    /// The integral of MODEL.md's capex path I0 + (I1 - I0) / (1 + exp(-gI (t - tI))) in closed form.
    static func capexIntegral(_ model: CompiledModel, from a: Double, to b: Double) -> Double {
        let (i0, i1, g, tI) = (
            model.parameter("I0")!, model.parameter("I1")!, model.parameter("gI")!, model.parameter("tI")!
        )
        func primitive(_ t: Double) -> Double { i0 * t + (i1 - i0) * (t - tI + log1p(exp(-g * (t - tI))) / g) }
        return primitive(b) - primitive(a)
    }

    @Test("target quantities: integrals of a time path by quadrature, changes, values and maxima on a run")
    func quantities() throws {
        let run = try ReverseQE.path()
        // Quadrature of I(t) against its closed form, before t0 too, and against the trapezoid rule on the monthly I
        // series.
        for (a, b) in [(2025.0, 2028.0), (2022.0, 2025.0)] {
            let quadrature = try #require(
                try run.evaluate(Self.target("capex", .integral(series: "I", from: a, to: b))))
            let closed = Self.capexIntegral(run.model, from: a, to: b)
            #expect(abs(quadrature - closed) < 1e-12 * quadrature, "\(a)-\(b): \(quadrature) against \(closed)")
        }
        let closed = Self.capexIntegral(run.model, from: 2025, to: 2028)
        let i = run.series("I")!
        let t = run.t
        var trapezoid = 0.0
        for k in 1...36 { trapezoid += 0.5 * (i[k] + i[k - 1]) * (t[k] - t[k - 1]) }
        #expect(abs(closed - trapezoid) < 1e-4 * closed, "closed \(closed), trapezoid \(trapezoid)")
        // A series that depends on the state is integrated on the saved points.
        let rb = try #require(try run.evaluate(Self.target("rb", .integral(series: "rb", from: 2025, to: 2026))))
        let r = run.series("rb")!
        var expected = 0.0
        for k in 1...12 { expected += 0.5 * (r[k] + r[k - 1]) * (t[k] - t[k - 1]) }
        #expect(rb == expected)
        // A change of C is its issuance over the year.
        let change = try #require(try run.evaluate(Self.target("c", .change(series: "C", from: 2025, to: 2026))))
        #expect(change == run.series("C")![12] - run.series("C")![0])
        #expect(try run.evaluate(Self.target("rb", .value(series: "rb", at: 2026))) == run.series("rb")![12])
        #expect(
            try run.evaluate(Self.target("peak", .maximum(series: "rb", from: 2025, to: 2032)))
                == run.series("rb")!.max())
        #expect(try run.evaluate(Self.target("n", .notModelled("x"))) == nil)
        #expect(throws: CalibrationError.dateNotSaved(target: "off", date: 2025.5001)) {
            try run.evaluate(Self.target("off", .value(series: "rb", at: 2025.5001)))
        }
        #expect(throws: CalibrationError.unknownSeries(target: "u", series: "nope")) {
            try run.evaluate(Self.target("u", .value(series: "nope", at: 2026)))
        }
    }

    /// Targets made by the model itself at known parameters; the fit starts
    /// elsewhere and must find them again. crypto's beta moves nothing these
    /// targets measure: it is named as not identified and held at its start.
    @Test("a fit recovers known parameters from synthetic targets and names what they do not identify")
    func syntheticRecovery() throws {
        let truth = ReverseQE.model(["I1": 1.2, "sigma_c": 0.45, "sc0": 0.012], end: 2027)
        let quantities: [(String, TargetQuantity)] = [
            ("capex", .integral(series: "I", from: 2025, to: 2028)),
            ("bonds", .change(series: "C", from: 2025, to: 2026)),
            ("credit", .change(series: "PC", from: 2025, to: 2027)),
            ("spread", .value(series: "sc", at: 2026)),
            ("yield", .value(series: "rb", at: 2026)),
        ]
        let probe = try Calibration(model: truth, free: [], targets: quantities.map { Self.target($0.0, $0.1) })
        let values = try probe.evaluate(probe.base).values
        let targets = zip(quantities, values).map {
            Self.target($0.0.0, $0.0.1, value: $0.1!, band: 0.01 * abs($0.1!))
        }
        let start = ReverseQE.model(["I1": 0.9, "sigma_c": 0.6, "sc0": 0.009], end: 2027)
        let calibration = try Calibration(
            model: start,
            free: [
                FreeParameter(key: "I1", lower: 0.5, upper: 2), FreeParameter(key: "sigma_c", lower: 0.1, upper: 0.9),
                FreeParameter(key: "sc0", lower: 0.002, upper: 0.02),
                FreeParameter(key: "beta[crypto]", lower: 0.5, upper: 4),
            ],
            targets: targets, tolerance: 1e-10)
        let fit = try calibration.fit()
        let fitted = fit.parameters
        let (i1, sigma, sc0) = (
            try fitted.value(of: "I1"), try fitted.value(of: "sigma_c"), try fitted.value(of: "sc0")
        )
        #expect(abs(i1 - 1.2) < 1e-4, "I1 \(i1)")
        #expect(abs(sigma - 0.45) < 1e-4, "sigma_c \(sigma)")
        #expect(abs(sc0 - 0.012) < 1e-6, "sc0 \(sc0)")
        #expect(fit.unidentified == ["beta[crypto]"])
        #expect(try fitted.value(of: "beta[crypto]") == start.value(of: "beta[crypto]"))
        #expect(fit.residualsInBands.allSatisfy { abs($0!) < 1e-2 })
        #expect(fit.identified == [true, true, true, false])
        #expect(fit.standardErrors[0...2].allSatisfy { $0.isFinite && $0 > 0 })
    }

    /// Two targets on the same quantity whose bands overlap in a narrow strip:
    /// plain least squares settles between them, outside the first band
    /// (+1.10 bands, from the weighted mean in closed form); with the band
    /// penalty the fit moves into the strip where both are inside.
    @Test("the band penalty moves the fit inside every band when plain least squares leaves one outside")
    func bandPenalty() throws {
        let base = ReverseQE.model(end: 2029)
        let capex = TargetQuantity.integral(series: "I", from: 2025, to: 2028)
        let probe = try Calibration(model: base, free: [], targets: [Self.target("capex", capex)])
        let x = try #require(try probe.evaluate(probe.base).values[0])
        let d = 0.1 * x
        let targets = [
            Self.target("a", capex, value: x, band: d),
            Self.target("b", capex, value: x + 1.5 * d, band: 0.6 * d),
        ]
        var calibration = try Calibration(
            model: base, free: [FreeParameter(key: "I1", lower: 0.5, upper: 2.5)], targets: targets, tolerance: 1e-10)
        let plain = try calibration.fit().residualsInBands.map { $0! }
        // The weighted mean of x and x + 1.5 d with weights 1 and 1 / 0.36.
        let mean = 1.5 / 0.36 / (1 + 1 / 0.36)
        #expect(abs(plain[0] - mean) < 1e-4, "plain least squares: \(plain)")
        calibration.bandPenalty = 10
        let penalised = try calibration.fit().residualsInBands.map { $0! }
        #expect(penalised.allSatisfy { abs($0) <= 1 }, "with the band penalty: \(penalised)")
        #expect(penalised[0] > 0.9 && penalised[0] < 1, "the fit stays as close to b as a's band allows: \(penalised)")
    }

    @Test("invalid calibrations are refused with what is wrong")
    func invalid() throws {
        let base = ReverseQE.model()
        #expect(
            throws: CalibrationError.invalidFreeParameter("payout: the starting value 0.35 must lie within [0.5, 0.9]")
        ) {
            try Calibration(model: base, free: [FreeParameter(key: "payout", lower: 0.5, upper: 0.9)], targets: [])
        }
        #expect(
            throws: CalibrationError.invalidFreeParameter(
                "payout: bounds [-1.0, 0.9] leave the allowed range (in [0, 1])")
        ) {
            try Calibration(model: base, free: [FreeParameter(key: "payout", lower: -1, upper: 0.9)], targets: [])
        }
        #expect(throws: CalibrationError.invalidTarget("x: a figure the model does not compute must have weight 0")) {
            try Calibration(
                model: base, free: [], targets: [Self.target("x", .notModelled("y"), value: 1, band: 1, weight: 1)])
        }
        #expect(throws: CalibrationError.invalidFreeParameter("nope: models/reverse-qe.sfc has no parameter nope")) {
            try Calibration(model: base, free: [FreeParameter(key: "nope", lower: 0, upper: 1)], targets: [])
        }
    }
}
