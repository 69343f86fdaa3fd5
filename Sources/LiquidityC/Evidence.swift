import Application
import Experiments
import FileFormats
import FlowModel
import Foundation

/// One of the package's files for the default model, found beside the call's anchor.
private func packageFile(_ relative: String, _ request: PythonCall) throws -> String {
    guard let path = PackageFiles.locate(relative, anchors: request.runRequest.anchors) else {
        throw InputError("\(relative) not found beside the package or in the current folder")
    }
    return path
}

/// `liquidity decompose`: the long table (t, date, series, driver, value) as the header's CSV,
/// the largest gap of the contributions' sum in a second table's header.
@_cdecl("liq_decompose")
public func liq_decompose(_ request: UnsafePointer<CChar>?) -> UnsafeMutableRawPointer {
    handle(request) { call in
        let model = try call.runRequest.modelFile()
        let known =
            (model as NSString).lastPathComponent == "liquidity.sfc" && call.config == nil
            ? PackageFiles.decompositions["liquidity.sfc"] : nil
        var end = known?.end
        if let text = call.end {
            guard let t = DecimalYear.parse(text) else {
                throw InputError("end \(text): expected a decimal year (2026.0) or a date (2026-01-01)")
            }
            end = t
        }
        var request = DecompositionFiles.Request(
            model: model, config: try call.config ?? known.map { try packageFile($0.config, call) },
            drivers: try call.drivers ?? known.map { try packageFile($0.drivers, call) }, series: call.series,
            end: end)
        request.solve.stepper = .msbdf
        request.solve.relativeTolerance = 1e-8
        request.solve.absoluteTolerance = 1e-8
        let (decomposition, _) = try DecompositionFiles.run(request)
        return [
            Table(
                label: "decomposition", header: DecompositionFiles.table(decomposition), rows: 0, columns: 0,
                values: []),
            Table(label: "closure", header: "\(decomposition.closure)", rows: 0, columns: 0, values: []),
        ]
    }
}

/// `liquidity estimate --out OUT`: runs the estimation and names the files written in the header (JSON).
@_cdecl("liq_estimate")
public func liq_estimate(_ request: UnsafePointer<CChar>?) -> UnsafeMutableRawPointer {
    handle(request) { call in
        guard let out = call.out else { throw InputError("estimate: give the output directory") }
        let model = try call.runRequest.modelFile()
        let known =
            (model as NSString).lastPathComponent == "liquidity.sfc" ? PackageFiles.estimations["liquidity.sfc"] : nil
        guard let file = try call.estimation ?? known.map({ try packageFile($0.file, call) }) else {
            throw InputError("\(model) has no committed estimation file: give estimation=FILE")
        }
        let config = try call.config ?? (call.estimation == nil ? known.map { try packageFile($0.start, call) } : nil)
        let data = try call.data ?? packageFile("data", call)
        let sampler = try EstimationJob.sampler(
            try EstimationJob(model: model, config: config, file: file, data: data).spec.sampler,
            chains: call.chains, draws: call.draws, warmup: call.warmup, seed: call.seed, prefix: "")
        let job = try EstimationJob(model: model, config: config, file: file, data: data, sampler: sampler)
        let outcome = try job.run(modeOnly: call.mode_only ?? false)
        let files = try job.write(
            outcome, to: out, tool: Manifest.Tool(version: "0.1.0", commit: "python"), command: ["python", "estimate"])
        let header = String(
            decoding: try JSONSerialization.data(withJSONObject: ["files": files]), as: UTF8.self)
        return [Table(label: "estimate", header: header, rows: 0, columns: 0, values: [])]
    }
}
