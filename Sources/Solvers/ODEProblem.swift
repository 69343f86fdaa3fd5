/// The right-hand side `dy/dt = f(t, y)`: writes `f(t, y)` into `dydt`.
///
/// It is called from inside GSL's steppers, so it must not keep the buffers.
/// Throwing ends the solve with ``ReturnCode/rightHandSideFailed``; a NaN or
/// an infinity in `dydt` makes the integrator retry with smaller steps and,
/// if that cannot help, ends the solve with ``ReturnCode/nonFinite``.
public typealias RightHandSide =
    @Sendable (
        _ t: Double, _ y: UnsafeBufferPointer<Double>, _ dydt: UnsafeMutableBufferPointer<Double>
    ) throws -> Void

/// An analytic Jacobian: writes `∂f_i/∂y_j` into `dfdy[i * n + j]` (row major)
/// and `∂f_i/∂t` into `dfdt[i]`.
public typealias JacobianFunction =
    @Sendable (
        _ t: Double, _ y: UnsafeBufferPointer<Double>,
        _ dfdy: UnsafeMutableBufferPointer<Double>, _ dfdt: UnsafeMutableBufferPointer<Double>
    ) throws -> Void

/// An initial value problem `dy/dt = f(t, y)`, `y(t0) = u0`, on `[t0, t1]`:
/// plain data, solved by ``solve(_:_:_:)``.
public struct ODEProblem: Sendable {
    /// The right-hand side.
    public var rightHandSide: RightHandSide
    /// The analytic Jacobian, or `nil` to let the solver compute one when the
    /// stepper needs it (see ``SolverOptions/jacobian``).
    public var jacobian: JacobianFunction?
    /// The initial state at `timeSpan.start`.
    public var initialState: [Double]
    /// The interval of integration; only forward integration (`end > start`).
    public var timeSpan: (start: Double, end: Double)
    /// Optional names of the state components, used in failure messages.
    public var componentNames: [String]?

    /// The number of state components.
    public var dimension: Int { initialState.count }

    /// - Parameters:
    ///   - initialState: `y(t0)`; its length is the dimension of the system.
    ///   - timeSpan: `(t0, t1)` with `t1 > t0`.
    ///   - componentNames: names of the components, for messages (default none).
    ///   - jacobian: the analytic Jacobian (default none: computed when needed).
    ///   - rightHandSide: `f(t, y)`.
    public init(
        initialState: [Double],
        timeSpan: (start: Double, end: Double),
        componentNames: [String]? = nil,
        jacobian: JacobianFunction? = nil,
        rightHandSide: @escaping RightHandSide
    ) {
        self.initialState = initialState
        self.timeSpan = timeSpan
        self.componentNames = componentNames
        self.jacobian = jacobian
        self.rightHandSide = rightHandSide
    }

    /// The name of component `index`, or `"y[index]"` when the problem has none.
    public func name(ofComponent index: Int) -> String {
        if let names = componentNames, names.indices.contains(index) { return names[index] }
        return "y[\(index)]"
    }
}
