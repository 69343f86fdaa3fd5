import Application
import Experiments
import FileFormats
import FlowModel
import Foundation

/// `liquidity decompose`: the long table (t, date, series, driver, value) as the header's CSV,
/// the largest gap of the contributions' sum in a second table's header.
@_cdecl("liq_decompose")
public func liq_decompose(_ request: UnsafePointer<CChar>?) -> UnsafeMutableRawPointer {
    handle(request) { call in
        let model = try call.runRequest.modelFile()
        let request = try DecompositionFiles.Request.resolving(
            model: model, config: call.config, drivers: call.drivers, series: call.series, end: call.end,
            option: "end", anchors: call.runRequest.anchors, beside: "the package")
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
        let anchors = call.runRequest.anchors
        let (file, config) = try EstimationJob.files(
            model: model, estimation: call.estimation, config: call.config, anchors: anchors, beside: "the package",
            option: "estimation=FILE")
        let data = try call.data ?? PackageFiles.required("data", anchors: anchors, beside: "the package")
        let job = try EstimationJob(model: model, config: config, file: file, data: data).sampling(
            chains: call.chains, draws: call.draws, warmup: call.warmup, seed: call.seed, prefix: "")
        let outcome = try job.run(modeOnly: call.mode_only ?? false)
        let files = try job.write(
            outcome, to: out, tool: Manifest.Tool(version: "0.1.0", commit: "python"), command: ["python", "estimate"])
        let header = String(
            decoding: try JSONSerialization.data(withJSONObject: ["files": files]), as: UTF8.self)
        return [Table(label: "estimate", header: header, rows: 0, columns: 0, values: [])]
    }
}
