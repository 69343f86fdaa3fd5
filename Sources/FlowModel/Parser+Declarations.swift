import Foundation

/// One method per declaration of the language, each called after its keyword.
extension Parser {
    /// `model NAME ["title"]`
    mutating func modelLine(into model: inout ModelSource) throws {
        let at = tokens[position - 1].location
        guard !sawModelLine else { throw error("a second 'model' line: a file holds one model", at: at) }
        sawModelLine = true
        model.name = try name("the model's name").0
        model.title = optionalString()
        try endOfLine("the model's name")
    }

    /// `horizon T0 to T1 [step S] [calendar]`
    mutating func horizon(into model: inout ModelSource) throws {
        let at = tokens[position - 1].location
        guard model.horizon == nil else { throw error("a second 'horizon' line: a file has one horizon", at: at) }
        let t0 = try constant("the start of the horizon")
        try expectWord("to", "between the horizon's start and end")
        let t1 = try constant("the end of the horizon")
        model.horizon = (t0, t1)
        if isWord("step") {
            _ = next()
            let stepAt = current.location
            let step = try constant("the save step")
            guard step > 0, step.isFinite else {
                throw error("the save step must be a positive number of time units; got \(step)", at: stepAt)
            }
            let points = (t1 - t0) / step
            guard points <= Double(ModelSource.savedPointLimit) else {
                throw error(
                    """
                    the save step \(step) saves \(String(format: "%.3g", points)) points over the horizon; the \
                    limit is \(ModelSource.savedPointLimit) (a larger step)
                    """, at: stepAt)
            }
            model.saveStep = step
        }
        if isWord("calendar") {
            _ = next()
            model.isCalendar = true
        }
        try endOfLine("the horizon (`horizon T0 to T1 [step S] [calendar]`)")
    }

    /// `sectors CODE ["label"], ...`
    mutating func sectors(into model: inout ModelSource) throws {
        repeat {
            if isSymbol(",") { _ = next() }
            let (code, _) = try name("a sector's code")
            model.sectors.append((code, optionalString()))
        } while isSymbol(",")
        try endOfLine("the sectors")
    }

    /// `set NAME = member ["label"], ...`
    mutating func set(into model: inout ModelSource, at start: SourceLocation) throws {
        let (n, _) = try name("the set's name")
        var attributes = Attributes()
        try self.attributes(into: &attributes)
        try expectSymbol("=", "before the set's members")
        var members: [String] = []
        var labels: [(member: String, label: String)] = []
        repeat {
            if isSymbol(",") { _ = next() }
            let member = try name("a member of the set").0
            members.append(member)
            if let label = optionalString() { labels.append((member, label)) }
        } while isSymbol(",")
        try self.attributes(into: &attributes)
        try endOfLine("the set's members")
        model.sets.append(.init(name: n, members: members, attributes: attributes, location: start, labels: labels))
    }

    /// `parameter NAME[index] = value, ...`
    mutating func parameter(into model: inout ModelSource) throws {
        let (n, at) = try name("the parameter's name")
        let spec = try index()
        try expectSymbol("=", "before the parameter's value")
        var values = [try constant("a parameter's value")]
        while isSymbol(",") {
            _ = next()
            values.append(try constant("a parameter's value"))
        }
        var attributes = Attributes()
        try self.attributes(into: &attributes)
        try endOfLine("the parameter")
        model.parameters.append(.init(name: n, index: spec, values: values, attributes: attributes, location: at))
    }

    /// `table NAME = (t, value), ...`
    mutating func table(into model: inout ModelSource) throws {
        let (n, at) = try name("the table's name")
        var attributes = Attributes()
        try self.attributes(into: &attributes)
        try expectSymbol("=", "before the table's knots (t, value), ...")
        var knots: [(Double, Double)] = []
        repeat {
            if isSymbol(",") { _ = next() }
            try expectSymbol("(", "to start a knot (t, value)")
            let t = try constant("a knot's time")
            try expectSymbol(",", "between a knot's time and value")
            let v = try constant("a knot's value")
            try expectSymbol(")", "to end a knot")
            knots.append((t, v))
        } while isSymbol(",")
        try self.attributes(into: &attributes)
        try endOfLine("the table")
        model.tables.append(.init(name: n, knots: knots, attributes: attributes, location: at))
    }

    /// `state NAME[index]` with its `start =` and `d/dt =` lines
    mutating func state(into model: inout ModelSource) throws {
        let (n, at) = try name("the state's name")
        let spec = try index()
        var attributes = Attributes()
        try self.attributes(into: &attributes)
        try endOfLine("the state's declaration")
        var state = ModelSource.State(
            name: n, index: spec, start: nil, derivative: nil, attributes: attributes, location: at)
        while true {
            if isWord("start") {
                _ = next()
                try expectSymbol("=", "after 'start'")
                guard state.start == nil else {
                    throw error("\(n) has two start values", at: tokens[position - 2].location)
                }
                state.start = try expression()
                try endOfLine("the start value")
            } else if isSymbol("d/dt") {
                let here = current.location
                _ = next()
                try expectSymbol("=", "after 'd/dt'")
                guard state.derivative == nil else { throw error("\(n) has two derivatives (d/dt lines)", at: here) }
                state.derivative = try expression()
                try endOfLine("the derivative")
            } else {
                break
            }
        }
        model.states.append(state)
    }

    /// `let` or `initial NAME[index] = expression`
    mutating func definition(into model: inout ModelSource, keyword: String) throws {
        let (n, at) = try name("the name being defined")
        let spec = try index()
        try expectSymbol("=", "after \(n)")
        let e = try expression()
        var attributes = Attributes()
        try self.attributes(into: &attributes)
        try endOfLine("the definition of \(n)")
        model.definitions.append(
            .init(
                kind: keyword == "let" ? .let : .initial, name: n, index: spec, expression: e, attributes: attributes,
                location: at))
    }

    /// `choice NAME default OPTION` ... `end`
    mutating func choice(into model: inout ModelSource) throws {
        let (n, at) = try name("the choice's name")
        let meaning = optionalString()
        try expectWord("default", "and the default option after the choice's name")
        let (fallback, _) = try name("the default option")
        try endOfLine("the choice")
        var options: [ModelSource.Option] = []
        while !isWord("end") {
            if current.kind == .newline {
                _ = next()
                continue
            }
            guard isWord("option") else {
                throw error("expected 'option NAME' or 'end' in choice \(n); found \(current.text)")
            }
            _ = next()
            let (option, optionAt) = try name("the option's name")
            let optionMeaning = optionalString()
            try endOfLine("the option")
            var definitions: [ModelSource.Definition] = []
            while isWord("let") {
                _ = next()
                let (d, dAt) = try name("the name being defined")
                let spec = try index()
                try expectSymbol("=", "after \(d)")
                let e = try expression()
                var attributes = Attributes()
                try self.attributes(into: &attributes)
                try endOfLine("the definition of \(d)")
                definitions.append(
                    .init(kind: .let, name: d, index: spec, expression: e, attributes: attributes, location: dAt))
            }
            options.append(.init(name: option, meaning: optionMeaning, definitions: definitions, location: optionAt))
        }
        _ = next()
        try endOfLine("'end'")
        model.choices.append(.init(name: n, meaning: meaning, defaultOption: fallback, options: options, location: at))
    }

    /// `matrix NAME ["title"] [unit "..."] [stocks] columns ...` ... `end`
    mutating func matrix(into model: inout ModelSource) throws {
        let (n, at) = try name("the matrix's name")
        let title = optionalString()
        var unit: String?
        if isWord("unit") {
            _ = next()
            unit = try string("the unit of the matrix's entries after 'unit'")
        }
        let isStocks = isWord("stocks")
        if isStocks { _ = next() }
        try expectWord(
            "columns",
            """
            and the sector columns after the matrix's name (and 'unit \"...\"' for its entries, 'stocks' for a \
            balance sheet)
            """
        )
        var columns: [String] = []
        repeat {
            if isSymbol(",") { _ = next() }
            columns.append(try name("a column (a sector's code)").0)
        } while isSymbol(",")
        try endOfLine("the matrix's columns")
        var rows: [ModelSource.MatrixRow] = []
        while !isWord("end") {
            if current.kind == .newline {
                _ = next()
                continue
            }
            let rowAt = current.location
            let label = try string("a row's label (or 'end')")
            let rowIndex = try index()
            var entries: [(String, Expression, SourceLocation)] = []
            while case .name(let column) = current.kind {
                let columnAt = next().location
                try expectSymbol(":", "after the column \(column)")
                entries.append((column, try expression(), columnAt))
                if isSymbol(",") { _ = next() }
            }
            var target: Expression?
            if isSymbol("=") {
                _ = next()
                target = try expression()
            }
            try endOfLine("the row \"\(label)\"")
            rows.append(.init(label: label, index: rowIndex, entries: entries, target: target, location: rowAt))
        }
        _ = next()
        try endOfLine("'end'")
        model.matrices.append(
            .init(name: n, title: title, unit: unit, columns: columns, rows: rows, location: at, isStocks: isStocks))
    }

    /// `summary KIND SERIES[index] [level] "label"`
    mutating func summary(into model: inout ModelSource) throws {
        let (kind, at) = try name("a summary kind (end, change, peak, drawdown, below, total)")
        let (series, _) = try name("the series summarised")
        let spec = try index()
        var level: Double?
        if kind == "below" { level = try constant("the level for 'below'") }
        let label = try string("the summary's label")
        try endOfLine("the summary")
        model.summaries.append(
            .init(kind: kind, series: series, index: spec, level: level, label: label, location: at))
    }

    /// `stop T, ... [when CONDITION]`
    mutating func stop(into model: inout ModelSource) throws {
        var stops: [(Expression, SourceLocation)] = []
        repeat {
            if isSymbol(",") { _ = next() }
            let at = current.location
            stops.append((try expression(), at))
        } while isSymbol(",")
        var condition: Expression?
        if isWord("when") {
            _ = next()
            condition = try expression()
        }
        try endOfLine("the stops")
        model.stops += stops.map { ($0.0, $0.1, condition) }
    }

    /// `observe NAME = expression`
    mutating func observation(into model: inout ModelSource) throws {
        let (n, at) = try name("the observed series' name")
        try expectSymbol("=", "after \(n)")
        let e = try expression()
        var attributes = Attributes()
        try self.attributes(into: &attributes)
        try endOfLine("the observation \(n)")
        model.observations.append(.init(name: n, expression: e, attributes: attributes, location: at))
    }
}
