import FlowModel
import Foundation
import ModelLanguage
import Solvers
import Testing
import TestSupport

@testable import FileFormats

@Suite("The reverse-QE file with the configuration files")
struct ModelFileConfigurationTests {
    /// Under the same fixed steps, the file with a configuration's values and
    /// the hand-written model with that configuration take the same path.
    @Test("with calibration/baseline.toml (the fitted, moving bond share and debt taper) the file reproduces the hand-written model", arguments: [
        ("calibration/baseline.toml", FedRegime.none), ("calibration/baseline.toml", .buyer), ("calibration/history2022.toml", .none),
    ])
    func baseline(_ config: String, _ regime: FedRegime) throws {
        let path = Tool.root.appendingPathComponent(config).path
        let source = try ModelFiles.compile(Tool.root.appendingPathComponent("models/reverse-qe.sfc").path).source
        var settings = try ModelFiles.settings(configuration: path, for: source)
        settings.choices["regime"] = regime.rawValue
        let file = try ModelFiles.compile(Tool.root.appendingPathComponent("models/reverse-qe.sfc").path, settings: settings)
        let hand = try ReverseQEModel(parameters: try Configuration.read(path), regime: regime)
        #expect(file.tstops == hand.tstops)
        #expect(file.initialState == hand.initialState)
        var options = SolverOptions(relativeTolerance: 1e-10, absoluteTolerance: .scalar(1e-10), saveAt: .interval(1.0 / 12))
        options.fixedStep = 1.0 / 1200
        options.maxSteps = 2_000_000
        let a = try solve(file.problem(), .rk8pd, options), b = try solve(hand.problem, .rk8pd, options)
        #expect(a.isSuccessful && b.isSuccessful)
        var worst = 0.0
        for k in 0..<b.count { for (x, y) in zip(a.state(k), b.state(k)) { worst = max(worst, abs(x - y) / max(abs(y), 1)) } }
        print("reverse-qe.sfc with \(config), \(regime): largest relative difference \(worst)")
        #expect(worst < 1e-12)
    }

    @Test("a configuration value the file has no parameter for is refused, naming both")
    func missing() throws {
        let dir = try Tool.scratch()
        let config = try Tool.config(in: dir) { $0.replacingOccurrences(of: "erp = ", with: "tau_rm = 2.0\nerp = ") }
        let source = try ModelFiles.compile(Tool.root.appendingPathComponent("models/reverse-qe.sfc").path).source
        let error = #expect(throws: InputError.self) { try ModelFiles.settings(configuration: config, for: source) }
        #expect(error?.message == "\(config): tau_rm = 2.0, but \(Tool.root.appendingPathComponent("models/reverse-qe.sfc").path) has no parameter tau_rm")
    }
}
