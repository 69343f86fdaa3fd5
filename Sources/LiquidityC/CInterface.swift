import Application
import Experiments
import FileFormats
import FlowModel
import Foundation
import Reports
import Solvers

// The C interface the Python package calls through ctypes. Each call takes a
// request as JSON (the command line's options by name) and returns a handle to
// its result: a status (0, or the command's exit code: 2 bad input, 3 solver
// failure, 4 failed write), the error's message, and tables of doubles with a
// JSON header each. The handle owns everything it returns until `liq_free`.
// Calls do not share state, so threads may call them at once (ctypes releases
// Python's GIL for the call).

/// One call of the Python package, as the JSON it sends; it becomes a ``RunRequest``.
struct PythonCall: Decodable {
    var model: String?
    var config: String?
    /// `[name, value]` pairs, in order, as `--set name=value`.
    var set: [[String]]?
    var scenario: [String]?
    var start: String?, end: String?
    var solver: String?, rtol: Double?, atol: Double?, save_step: String?, max_steps: Int?, native: Bool?,
        saves: String?
    var regime: String?, regimes: [String]?, counterfactual: Bool?
    var at: String?
    var spec: String?, out: String?, jobs: Int?
    /// `estimate` and `decompose`.
    var estimation: String?, data: String?, chains: Int?, draws: Int?, warmup: Int?, seed: Int?, mode_only: Bool?
    var drivers: String?, series: [String]?
    /// The library's own path: the package's files are looked for beside it.
    var anchor: String?

    var runRequest: RunRequest {
        var request = RunRequest()
        request.model = model
        request.config = config
        request.overrides = (set ?? []).map { $0.joined(separator: "=") }
        request.scenarios = scenario ?? []
        request.start = start
        request.end = end
        request.solver = solver ?? request.solver
        request.relativeTolerance = rtol ?? request.relativeTolerance
        request.absoluteTolerance = atol ?? request.absoluteTolerance
        request.saveStep = save_step
        request.maxSteps = max_steps ?? request.maxSteps
        request.native = native ?? false
        request.saves = saves ?? request.saves
        request.anchors = anchor.map { [$0] } ?? []
        return request
    }
}

/// One table of a result: a label, a JSON header and row-major values.
struct Table {
    var label: String, header: String, rows: Int, columns: Int, values: [Double]
}

/// What a call returns, kept alive by its handle.
final class Result {
    var status: Int32 = 0
    var error = ""
    var tables: [Table] = []
    /// The model `liq_load` loaded, for `liq_loaded_run`.
    var loaded: LoadedModel?
    /// C strings handed out, freed with the result.
    var strings: [UnsafeMutablePointer<CChar>] = []

    func cString(_ text: String) -> UnsafePointer<CChar> {
        let copy = strdup(text)!
        strings.append(copy)
        return UnsafePointer(copy)
    }

    deinit { for string in strings { free(string) } }
}

/// Runs `body` on the decoded request and wraps its tables, or its error, in a handle.
func handle(_ json: UnsafePointer<CChar>?, _ body: (PythonCall) throws -> [Table]) -> UnsafeMutableRawPointer {
    let result = Result()
    do {
        let text = json.map { String(cString: $0) } ?? "{}"
        let request: PythonCall
        do {
            request = try JSONDecoder().decode(PythonCall.self, from: Data(text.utf8))
        } catch {
            throw InputError("the request is not valid JSON for this call: \(error)")
        }
        result.tables = try body(request)
    } catch let error as InputError {
        (result.status, result.error) = (2, error.message)
    } catch let error as SolveFailure {
        (result.status, result.error) = (3, error.description)
    } catch let error as OutputError {
        (result.status, result.error) = (4, error.message)
    } catch {
        (result.status, result.error) = (1, String(describing: error))
    }
    return Unmanaged.passRetained(result).toOpaque()
}

func result(_ handle: UnsafeRawPointer) -> Result { Unmanaged<Result>.fromOpaque(handle).takeUnretainedValue() }

func json(_ object: Any) -> String {
    (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])).map {
        String(decoding: $0, as: UTF8.self)
    } ?? "{}"
}

/// A solved path as a table: `t` and every column, with names, units, descriptions, dates and summaries.
///
/// - Parameter fixedHeader: the header's parts that do not change from run to run of one model
///   (names, units, descriptions, dates), as ``fixedHeader(_:)`` writes them; nil writes them.
func table(_ path: ModelSolution, label: String, fixedHeader: String? = nil) -> Table {
    let columns = path.columns
    let values = rows(path, columns.map(\.name))
    let summaries: [[String: Any]] = path.summaries.map { s in
        [
            "label": s.label, "kind": s.kind, "series": s.series, "unit": s.unit, "column": s.column,
            "value": s.value.map { $0 as Any } ?? NSNull(),
        ]
    }
    let fixed = fixedHeader ?? LiquidityC.fixedHeader(path)
    let header = String(fixed.dropLast()) + #","summaries":"# + json(summaries) + "}"
    return Table(label: label, header: header, rows: path.t.count, columns: columns.count + 1, values: values)
}

/// `t` and the series `names` of `path` at each saved time, row by row.
func rows(_ path: ModelSolution, _ names: [String]) -> [Double] {
    let series = names.map { path.series($0) ?? [] }
    var values: [Double] = []
    values.reserveCapacity(path.t.count * (names.count + 1))
    for k in path.t.indices {
        values.append(path.t[k])
        for s in series { values.append(s[k]) }
    }
    return values
}

/// The parts of a path's header that many runs of one model share: names, units, descriptions, dates.
func fixedHeader(_ path: ModelSolution) -> String {
    let columns = path.columns
    return json([
        "columns": ["t"] + columns.map(\.name), "units": ["year"] + columns.map(\.unit),
        "descriptions": ["time"] + columns.map(\.description),
        "dates": path.model.source.isCalendar ? path.t.map(DecimalYear.isoDate) : NSNull(),
    ])
}

/// Solves one path: `--regime`, and the inputs and solver options of `liquidity run`.
@_cdecl("liq_run")
public func liq_run(_ request: UnsafePointer<CChar>?) -> UnsafeMutableRawPointer {
    handle(request) { request in
        let run = request.runRequest
        try run.checkSolver()
        let file = try run.modelFile()
        let model = try ModelFiles.compile(
            file, settings: try run.modelSettings(choices: try run.regimeChoice(request.regime)))
        var solve = try run.solveSettings
        solve.saveStep = try ModelFiles.saveStep(try run.givenStep, for: model.source, span: (model.t0, model.t1))
        return [table(try solve.solve(model, label: file), label: request.regime ?? "run")]
    }
}

/// Solves the regimes of `liquidity compare` (`regimes`, `counterfactual`): one table per case.
@_cdecl("liq_compare")
public func liq_compare(_ request: UnsafePointer<CChar>?) -> UnsafeMutableRawPointer {
    handle(request) { request in
        let run = request.runRequest
        try run.checkSolver()
        let file = try run.modelFile()
        let source = try ModelFiles.source(file)
        var solve = try run.solveSettings
        let settings = try run.modelSettings()
        solve.saveStep = try ModelFiles.saveStep(
            try run.givenStep, for: source,
            span: (settings.start ?? source.horizon?.0 ?? 0, settings.end ?? source.horizon?.1 ?? 1))
        let comparison = try ChoiceComparison(
            source: source, settings: settings, choice: ModelFiles.regimeChoice, options: request.regimes,
            counterfactual: request.counterfactual ?? false, solve: solve)
        return try comparison.run().cases.map { table($0.solved, label: $0.kind.label) }
    }
}

/// Every matrix of the model file at `at` (default t0) under `regime`: one table per matrix.
@_cdecl("liq_matrices")
public func liq_matrices(_ request: UnsafePointer<CChar>?) -> UnsafeMutableRawPointer {
    handle(request) { request in
        let run = request.runRequest
        try run.checkSolver()
        let (_, t, matrices) = try run.matrices(regime: request.regime, at: request.at)
        return matrices.map { m in
            let rows = m.rowLabels + ["column sum"]
            let columns = m.columns + ["row sum", "must be"]
            var values: [Double] = []
            for r in m.rowLabels.indices { values += m.values[r] + [m.rowSums[r], m.rowTargets[r]] }
            values += m.columnSums + [Double.nan, Double.nan]
            let header: [String: Any] = ["name": m.name, "title": m.title, "t": t, "rows": rows, "columns": columns]
            return Table(label: m.name, header: json(header), rows: rows.count, columns: columns.count, values: values)
        }
    }
}

/// The parameters of `liquidity params`, as CSV in the header of one empty table.
@_cdecl("liq_params")
public func liq_params(_ request: UnsafePointer<CChar>?) -> UnsafeMutableRawPointer {
    handle(request) { request in
        let run = request.runRequest
        let model = try ModelFiles.compile(try run.modelFile(), settings: try run.modelSettings())
        let givenBy = try ModelFiles.parameterSources(of: model, configuration: try run.configFile())
        return [
            Table(
                label: "parameters", header: Tables.parameters(of: model, format: .csv, givenBy: givenBy), rows: 0,
                columns: 0, values: [])
        ]
    }
}

/// Runs a sweep spec (`liquidity sweep SPEC --out OUT`) and names its files in the header.
@_cdecl("liq_sweep")
public func liq_sweep(_ request: UnsafePointer<CChar>?) -> UnsafeMutableRawPointer {
    handle(request) { request in
        guard let specPath = request.spec else { throw InputError("sweep: give the spec file") }
        guard let out = request.out else { throw InputError("sweep: give the output directory") }
        let run = request.runRequest
        let file = try run.modelFile()
        let source = try ModelFiles.source(file)
        let settings = try run.modelSettings()
        try ModelFiles.checkSweepSpan(source, settings: settings)
        let model: FileEnsembleModel
        do {
            model = try FileEnsembleModel(source: source, settings: settings, choice: ModelFiles.regimeChoice)
        } catch let error as ModelFileError {
            throw ModelFiles.inputError(error)
        }
        let spec: EnsembleSpec
        do {
            spec = try SweepSpecFile.read(specPath, model: model)
        } catch let error as PointLimit {
            throw InputError(error.description)
        }
        let ensemble = Ensemble(spec, model: model)
        let about = SweepRecord.About(
            spec: specPath, config: try run.configFile() ?? file,
            tool: Manifest.Tool(version: "0.1.0", commit: "python"))
        let report = try SweepFiles.run(
            ensemble, into: try OutputDirectory(out),
            jobs: request.jobs ?? ProcessInfo.processInfo.activeProcessorCount, about: about)
        return [
            Table(label: "sweep", header: json(["out": out, "files": report.files]), rows: 0, columns: 0, values: [])
        ]
    }
}

@_cdecl("liq_status")
public func liq_status(_ handle: UnsafeRawPointer) -> Int32 { result(handle).status }

@_cdecl("liq_error")
public func liq_error(_ handle: UnsafeRawPointer) -> UnsafePointer<CChar> {
    let r = result(handle)
    return r.cString(r.error)
}

@_cdecl("liq_count")
public func liq_count(_ handle: UnsafeRawPointer) -> Int32 { Int32(result(handle).tables.count) }

@_cdecl("liq_label")
public func liq_label(_ handle: UnsafeRawPointer, _ i: Int32) -> UnsafePointer<CChar> {
    let r = result(handle)
    return r.cString(r.tables[Int(i)].label)
}

@_cdecl("liq_header")
public func liq_header(_ handle: UnsafeRawPointer, _ i: Int32) -> UnsafePointer<CChar> {
    let r = result(handle)
    return r.cString(r.tables[Int(i)].header)
}

@_cdecl("liq_rows")
public func liq_rows(_ handle: UnsafeRawPointer, _ i: Int32) -> Int32 { Int32(result(handle).tables[Int(i)].rows) }

@_cdecl("liq_columns")
public func liq_columns(_ handle: UnsafeRawPointer, _ i: Int32) -> Int32 {
    Int32(result(handle).tables[Int(i)].columns)
}

/// The table's values, row-major; valid until `liq_free`.
@_cdecl("liq_values")
public func liq_values(_ handle: UnsafeRawPointer, _ i: Int32) -> UnsafePointer<Double>? {
    result(handle).tables[Int(i)].values.withUnsafeBufferPointer { $0.baseAddress }
}

@_cdecl("liq_free")
public func liq_free(_ handle: UnsafeMutableRawPointer) { Unmanaged<Result>.fromOpaque(handle).release() }
