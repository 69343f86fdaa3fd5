import Foundation

/// New parameter values on a compiled model, without compiling again (issue 25).
extension CompiledModel {
    /// This model with the parameters in `changes` (by key: `alpha1`, `beta[crypto]`) set to new
    /// values, without compiling again: the parameters are inputs of the tapes, and only the setup
    /// program (start values, t0 quantities, what depends on parameters alone) runs again. The
    /// results are those of a compile with these values, bit for bit (tested).
    ///
    /// Nil when a compile is needed to say what is wrong, or to take the change: a key that is not a
    /// parameter of the file, a value outside its range, a parameter with dated changes or one a
    /// `stop` reads, or a start or t0 quantity that is not finite.
    public func setting(_ changes: [String: Double]) -> CompiledModel? {
        var v = values
        var settings = settings
        for (key, value) in changes {
            let base = key.split(separator: "[").first.map(String.init) ?? key
            let member = key.contains("[") ? String(key.split(separator: "[")[1].dropLast()) : ""
            guard let entity = entities[base], entity.kind == .parameter, let slot = entity.slots[member],
                (entity.attributes.range ?? .any).contains(value)
            else { return nil }
            // The compile fixed this one: only its own value may be given again.
            if parts.compiledKeys.contains(key) && v[slot] != value { return nil }
            v[slot] = value
            settings.parameters[key] = value
        }
        v[0] = t0
        v.withUnsafeMutableBufferPointer { parts.setup.run($0.baseAddress!, tables: tables) }
        let initialState = parts.stateSlots.map { v[$0] }
        guard parts.initialSlots.allSatisfy({ v[$0].isFinite }), initialState.allSatisfy(\.isFinite) else {
            return nil
        }
        // The stops, computed from the new values as the compiler computes them.
        var constants: [Int: Double] = [:]
        for entity in entities.values where entity.kind == .parameter {
            for slot in entity.slots.values { constants[slot] = v[slot] }
        }
        var stops: [Double] = []
        for stop in parts.stopNodes {
            guard let (t, keep) = Self.stop(stop, constants: constants) else { return nil }
            if keep { stops.append(t) }
        }
        var p = parts
        (p.values, p.initialState, p.settings) = (v, initialState, settings)
        p.tstops = Self.tstops(parts.fixedStops + stops, within: (t0, t1))
        let model = CompiledModel(p, columns: (columns, columnSlots))
        model.warnings = warnings
        return model
    }

    /// A `stop`'s time and whether its condition holds, with the parameters' values in
    /// `constants`; nil when they are not computed from parameters and numbers alone.
    static func stop(_ stop: (time: Node, condition: Node?), constants: [Int: Double]) -> (time: Double, keep: Bool)? {
        guard case .constant(let t) = stop.time.folded(constants),
            case .constant(let keep) = stop.condition?.folded(constants) ?? .constant(1)
        else { return nil }
        return (t, keep != 0)
    }
}
