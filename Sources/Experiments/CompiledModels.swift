import FlowModel
import Foundation

/// Compiled models kept for reuse by the many solves of one workflow (a calibration's, a
/// sweep's): one compile per structure (choices, span, dated changes, sets and tables), and
/// each new parameter vector set on it (``CompiledModel/setting(_:)``) instead of compiling
/// again. Copies of a workflow's model share one store; it is safe across threads.
public final class CompiledModels: @unchecked Sendable {
    private let lock = NSLock()
    private var models: [(structure: ModelSettings, model: CompiledModel)] = []

    public init() {}

    /// `source` compiled for `settings`: a kept model of the same structure with the parameters
    /// set, or a compile (kept when it is the first of its structure). The model a compile gives,
    /// bit for bit; a setting the kept model cannot take (see ``CompiledModel/setting(_:)``) is
    /// compiled, and a compile's error is thrown as it is.
    public func model(_ source: ModelSource, settings: ModelSettings, checkingMatrices: Bool = true) throws
        -> CompiledModel
    {
        var structure = settings
        structure.parameters = [:]
        let kept = lock.withLock { models.first { $0.structure == structure }?.model }
        // A key the kept model was given and these settings lack would keep its value: compile.
        if let kept, kept.settings.parameters.keys.allSatisfy({ settings.parameters[$0] != nil }),
            let model = kept.setting(settings.parameters)
        {
            return model
        }
        let model = try compileModel(source, settings: settings, checkingMatrices: checkingMatrices)
        lock.withLock {
            if !models.contains(where: { $0.structure == structure }) { models.append((structure, model)) }
        }
        return model
    }
}
