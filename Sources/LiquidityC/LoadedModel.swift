import Application
import Experiments
import FileFormats
import FlowModel
import Foundation
import Solvers

/// A model loaded once for many runs (`liquidity.load` in Python): its file read, its
/// configuration, overrides, scenarios and span applied, and then compiled once per regime;
/// each run sets its own parameters on the compiled model (``CompiledModels``) instead of
/// reading and compiling again. Runs on several threads at once are safe: each solve has its
/// own scratch space, and the store of compiled models is locked.
final class LoadedModel: @unchecked Sendable {
    let file: String
    let source: ModelSource
    let request: RunRequest
    let settings: ModelSettings
    let solve: SolveSettings
    let compiled = CompiledModels()
    /// The header parts every run of one regime shares, by regime and saved times.
    private var headers: [String: String] = [:]
    private let lock = NSLock()

    init(_ call: PythonCall) throws {
        request = call.runRequest
        try request.checkSolver()
        file = try request.modelFile()
        source = try ModelFiles.source(file)
        settings = try request.modelSettings()
        var solve = try request.solveSettings
        let span = (settings.start ?? source.horizon?.0 ?? 0, settings.end ?? source.horizon?.1 ?? 1)
        solve.saveStep = try ModelFiles.saveStep(try request.givenStep, for: source, span: span)
        self.solve = solve
        // The first compile, under the file's default option: it checks the whole model once.
        _ = try model(parameters: [], regime: nil)
    }

    /// The model with `parameters` (by the file's names, `beta[crypto]`) under `regime`.
    func model(parameters: [(String, String)], regime: String?) throws -> CompiledModel {
        var settings = settings
        if let regime { settings.choices.merge(try request.regimeChoice(regime)) { $1 } }
        for (name, text) in parameters {
            guard let value = Double(text), value.isFinite else {
                throw InputError("params: \(name) = \(text): needs a finite number")
            }
            guard let key = source.canonicalKey(name, members: settings.sets) else {
                throw InputError("params: \(file) has no parameter \(name); see `liquidity params`")
            }
            settings.parameters[key] = value
        }
        do {
            return try compiled.model(source, settings: settings)
        } catch let error as ModelFileError {
            throw ModelFiles.inputError(error, source: source, settings: settings, config: try request.configFile())
        }
    }

    /// The file's observables (its `observe` series, named as the data) with `parameters` under
    /// `regime`, at every saved time: `t` and one column each, the header their names and units.
    func observables(parameters: [(String, String)], regime: String?) throws -> Table {
        let names = source.observations.map(\.name)
        var solve = solve
        solve.outputs = Set(names)  // only what the table holds is computed at the saved points
        let path = try solve.solve(try model(parameters: parameters, regime: regime), label: file)
        let units = names.map { name in path.columns.first { $0.name == name }?.unit ?? "" }
        let header = json([
            "columns": ["t"] + names, "units": ["year"] + units,
            "dates": source.isCalendar ? path.t.map(DecimalYear.isoDate) as Any : NSNull(),
        ])
        return Table(
            label: "observables", header: header, rows: path.t.count, columns: names.count + 1,
            values: rows(path, names))
    }

    /// One path with `parameters` under `regime`, as `liq_run` returns it.
    func run(parameters: [(String, String)], regime: String?) throws -> Table {
        let path = try solve.solve(try model(parameters: parameters, regime: regime), label: file)
        let key = "\(regime ?? "")|\(path.t.count)|\(path.t.first ?? 0)|\(path.t.last ?? 0)"
        let header = lock.withLock { headers[key] } ?? fixedHeader(path)
        lock.withLock { headers[key] = header }
        return table(path, label: regime ?? "run", fixedHeader: header)
    }
}

/// Loads a model for many runs: the inputs and solver options of `liquidity run` (no regime:
/// each run names its own). The handle's `loaded` model lives until `liq_free`.
@_cdecl("liq_load")
public func liq_load(_ request: UnsafePointer<CChar>?) -> UnsafeMutableRawPointer {
    var loaded: LoadedModel?
    let handle = handle(request) { call in
        loaded = try LoadedModel(call)
        return []
    }
    result(handle).loaded = loaded
    return handle
}

/// A new handle with the one table `body` makes of the model of a `liq_load` handle, with the
/// request's `set` as its parameters and its `regime`.
func loadedCall(
    _ model: UnsafeRawPointer, _ request: UnsafePointer<CChar>?,
    _ body: (LoadedModel, [(String, String)], String?) throws -> Table
) -> UnsafeMutableRawPointer {
    let loaded = result(model).loaded
    return handle(request) { call in
        guard let loaded else { throw InputError("the model was not loaded: see the error of load") }
        return [try body(loaded, (call.set ?? []).map { ($0.first ?? "", $0.last ?? "") }, call.regime)]
    }
}

/// The observables of the model of a `liq_load` handle: a new handle with one table.
@_cdecl("liq_loaded_observables")
public func liq_loaded_observables(_ model: UnsafeRawPointer, _ request: UnsafePointer<CChar>?)
    -> UnsafeMutableRawPointer
{
    loadedCall(model, request) { try $0.observables(parameters: $1, regime: $2) }
}

/// One path of the model of a `liq_load` handle: a new handle with one table, as `liq_run`'s.
@_cdecl("liq_loaded_run")
public func liq_loaded_run(_ model: UnsafeRawPointer, _ request: UnsafePointer<CChar>?) -> UnsafeMutableRawPointer {
    loadedCall(model, request) { try $0.run(parameters: $1, regime: $2) }
}
