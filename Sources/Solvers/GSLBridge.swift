import CGSL

/// GSL's default error handler aborts the process; turned off once, process-wide,
/// the first time a driver is made. Swift initialises globals lazily and once.
private let gslErrorHandlerOff: Void = { _ = gsl_set_error_handler_off() }()

/// The status the right-hand side returns for a non-finite derivative. Any
/// status other than GSL_EBADFUNC or GSL_EFAULT makes `gsl_odeiv2_evolve_apply`
/// halve the step and try again, so a trial step that overshoots into a region
/// where `f` is undefined is retried rather than fatal.
let nonFiniteDerivativeStatus = Int32(GSL_EDOM)

/// cbrt(Double.ulpOfOne), the step scale of central differences.
private let cubeRootOfEpsilon = 6.055454452393343e-06

/// What a callback saw go wrong, kept until the solve loop reports it.
enum PendingFailure {
    case rightHandSideThrew(time: Double, error: String)
    case jacobianThrew(time: Double, error: String)
    case nonFiniteDerivative(time: Double, component: Int, value: Double)
}

/// The Swift side of GSL's `params` pointer: the user's functions, the
/// finite-difference work buffers and the evaluation counters. Allocated once
/// per solve; nothing in the callbacks allocates.
final class CallbackContext {
    let dimension: Int
    let rightHandSide: RightHandSide
    let jacobian: JacobianFunction?
    let strategy: JacobianStrategy
    /// Per component, the magnitude below which the error control treats it
    /// as absolute: `atol_j / rtol` (or `atol_j` when rtol is 0).
    let typicalMagnitude: [Double]
    // Touched on every evaluation: exempt from dynamic exclusivity checks,
    // which would otherwise cost two runtime calls per access. A context is
    // used by one solve on one thread.
    @exclusivity(unchecked) var functionEvaluations = 0
    @exclusivity(unchecked) var jacobianEvaluations = 0
    @exclusivity(unchecked) var pending: PendingFailure?

    private let fBase: UnsafeMutablePointer<Double>
    private let fPlus: UnsafeMutablePointer<Double>
    private let fMinus: UnsafeMutablePointer<Double>
    private let yWork: UnsafeMutablePointer<Double>

    init(problem: ODEProblem, strategy: JacobianStrategy, absoluteTolerances: [Double], relativeTolerance: Double) {
        dimension = problem.dimension
        rightHandSide = problem.rightHandSide
        jacobian = problem.jacobian
        self.strategy = strategy
        typicalMagnitude = absoluteTolerances.map { atol in
            let magnitude = relativeTolerance > 0 ? atol / relativeTolerance : atol
            return magnitude > 0 ? magnitude : 1
        }
        fBase = .allocate(capacity: dimension)
        fPlus = .allocate(capacity: dimension)
        fMinus = .allocate(capacity: dimension)
        yWork = .allocate(capacity: dimension)
    }

    deinit {
        fBase.deallocate()
        fPlus.deallocate()
        fMinus.deallocate()
        yWork.deallocate()
    }

    /// Evaluates `f(t, y)` into `dydt`; returns a GSL status.
    @inline(__always)
    func evaluate(_ t: Double, _ y: UnsafePointer<Double>, _ dydt: UnsafeMutablePointer<Double>) -> Int32 {
        functionEvaluations &+= 1
        let n = dimension
        do {
            try rightHandSide(
                t, UnsafeBufferPointer(start: y, count: n), UnsafeMutableBufferPointer(start: dydt, count: n))
        } catch {
            pending = .rightHandSideThrew(time: t, error: String(describing: error))
            return Int32(GSL_EBADFUNC)
        }
        if !allFinite(dydt, n), let i = (0..<n).first(where: { !dydt[$0].isFinite }) {
            pending = .nonFiniteDerivative(time: t, component: i, value: dydt[i])
            return nonFiniteDerivativeStatus
        }
        return Int32(GSL_SUCCESS)
    }

    /// Evaluates the Jacobian (row major) and `∂f/∂t`; returns a GSL status.
    func evaluateJacobian(
        _ t: Double, _ y: UnsafePointer<Double>,
        _ dfdy: UnsafeMutablePointer<Double>, _ dfdt: UnsafeMutablePointer<Double>
    ) -> Int32 {
        jacobianEvaluations &+= 1
        let n = dimension
        guard let jacobian else { return finiteDifferenceJacobian(t, y, dfdy, dfdt) }
        do {
            try jacobian(
                t, UnsafeBufferPointer(start: y, count: n),
                UnsafeMutableBufferPointer(start: dfdy, count: n * n),
                UnsafeMutableBufferPointer(start: dfdt, count: n))
        } catch {
            pending = .jacobianThrew(time: t, error: String(describing: error))
            return Int32(GSL_EBADFUNC)
        }
        return Int32(GSL_SUCCESS)
    }

    /// Differences of `f` with the step `h_j = s * max(|y_j|, typ_j)` rounded
    /// so that `y_j + h_j` is exact. `s` is sqrt(eps) for one-sided and
    /// cbrt(eps) for central differences, the steps that balance truncation
    /// against rounding error (Dennis and Schnabel, section 5.4); `typ_j` is
    /// the magnitude the tolerances treat as negligible, so a component far
    /// below 1 (Robertson's y2 ~ 1e-13) is perturbed on its own scale, as
    /// CVODE does with its error weights.
    private func finiteDifferenceJacobian(
        _ t: Double, _ y: UnsafePointer<Double>,
        _ dfdy: UnsafeMutablePointer<Double>, _ dfdt: UnsafeMutablePointer<Double>
    ) -> Int32 {
        let n = dimension
        let central = strategy == .centralDifferences
        let scale = central ? cubeRootOfEpsilon : Double.ulpOfOne.squareRoot()
        var status = evaluate(t, y, fBase)
        guard status == GSL_SUCCESS else { return status }
        yWork.update(from: y, count: n)
        for j in 0..<n {
            let yj = y[j]
            let up = yj + scale * max(abs(yj), typicalMagnitude[j])
            yWork[j] = up
            status = evaluate(t, yWork, fPlus)
            guard status == GSL_SUCCESS else { return status }
            if central {
                let down = yj - (up - yj)
                yWork[j] = down
                status = evaluate(t, yWork, fMinus)
                guard status == GSL_SUCCESS else { return status }
                let width = up - down
                for i in 0..<n { dfdy[i * n + j] = (fPlus[i] - fMinus[i]) / width }
            } else {
                let width = up - yj
                for i in 0..<n { dfdy[i * n + j] = (fPlus[i] - fBase[i]) / width }
            }
            yWork[j] = yj
        }
        let tUp = t + scale * max(abs(t), 1)
        status = evaluate(tUp, y, fPlus)
        guard status == GSL_SUCCESS else { return status }
        if central {
            let tDown = t - (tUp - t)
            status = evaluate(tDown, y, fMinus)
            guard status == GSL_SUCCESS else { return status }
            for i in 0..<n { dfdt[i] = (fPlus[i] - fMinus[i]) / (tUp - tDown) }
        } else {
            for i in 0..<n { dfdt[i] = (fPlus[i] - fBase[i]) / (tUp - t) }
        }
        return Int32(GSL_SUCCESS)
    }
}

/// Whether all `n` values are finite. A value is NaN or infinite exactly when
/// its exponent bits are all ones; adding one unit to the exponent field then
/// carries into the sign bit. Integer operations with no order to respect,
/// so the loop vectorises (a floating-point sum would not).
@inline(__always)
func allFinite(_ values: UnsafeMutablePointer<Double>, _ n: Int) -> Bool {
    let exponent: UInt64 = 0x7FF0_0000_0000_0000
    var carry: UInt64 = 0
    for i in 0..<n { carry |= (values[i].bitPattern & exponent) &+ 0x0010_0000_0000_0000 }
    return carry & 0x8000_0000_0000_0000 == 0
}

private let rightHandSideTrampoline:
    @convention(c) (
        Double, UnsafePointer<Double>?, UnsafeMutablePointer<Double>?, UnsafeMutableRawPointer?
    ) -> Int32 = { t, y, dydt, params in
        // The driver owns the context for the whole solve: no retain needed.
        Unmanaged<CallbackContext>.fromOpaque(params!)._withUnsafeGuaranteedRef { $0.evaluate(t, y!, dydt!) }
    }

private let jacobianTrampoline:
    @convention(c) (
        Double, UnsafePointer<Double>?, UnsafeMutablePointer<Double>?, UnsafeMutablePointer<Double>?,
        UnsafeMutableRawPointer?
    ) -> Int32 = { t, y, dfdy, dfdt, params in
        Unmanaged<CallbackContext>.fromOpaque(params!)._withUnsafeGuaranteedRef {
            $0.evaluateJacobian(t, y!, dfdy!, dfdt!)
        }
    }

/// A GSL driver: stepper, control and evolve objects wired together (the
/// implicit and multistep steppers read the control through the driver), and
/// the system struct GSL keeps a pointer to. Freed in `deinit`.
final class GSLDriver {
    let stepper: Stepper
    let context: CallbackContext
    let system: UnsafeMutablePointer<gsl_odeiv2_system>
    let driver: UnsafeMutablePointer<gsl_odeiv2_driver>
    let step: UnsafeMutablePointer<gsl_odeiv2_step>
    let control: UnsafeMutablePointer<gsl_odeiv2_control>
    let evolve: UnsafeMutablePointer<gsl_odeiv2_evolve>
    let absoluteTolerances: [Double], relativeTolerance: Double

    /// - Parameters:
    ///   - absoluteTolerances: one per component; the control holds the local
    ///     error of component i below `atol_i + rtol * |y_i|`.
    init(
        stepper: Stepper, context: CallbackContext,
        absoluteTolerances: [Double], relativeTolerance: Double
    ) throws {
        _ = gslErrorHandlerOff
        self.stepper = stepper
        self.context = context
        (self.absoluteTolerances, self.relativeTolerance) = (absoluteTolerances, relativeTolerance)
        let system = UnsafeMutablePointer<gsl_odeiv2_system>.allocate(capacity: 1)
        self.system = system
        system.initialize(
            to: gsl_odeiv2_system(
                function: rightHandSideTrampoline, jacobian: jacobianTrampoline,
                dimension: context.dimension,
                params: Unmanaged.passUnretained(context).toOpaque()))
        // One absolute tolerance: GSL's standard control, exactly what a C
        // caller of gsl_odeiv2_driver_alloc_y_new gets. Several: the scaled
        // control (whose step growth is capped at 4.9x instead of 5x).
        let allocated: UnsafeMutablePointer<gsl_odeiv2_driver>?
        if let first = absoluteTolerances.first, absoluteTolerances.allSatisfy({ $0 == first }) {
            allocated = gsl_odeiv2_driver_alloc_y_new(system, stepper.gslType, 1.0, first, relativeTolerance)
        } else {
            allocated = absoluteTolerances.withUnsafeBufferPointer {
                gsl_odeiv2_driver_alloc_scaled_new(
                    system, stepper.gslType, 1.0, 1.0, relativeTolerance, 1.0, 0.0, $0.baseAddress)
            }
        }
        guard let allocated else {
            system.deallocate()
            throw SolverError.allocationFailed("a \(stepper) driver of dimension \(context.dimension)")
        }
        driver = allocated
        step = allocated.pointee.s!
        control = allocated.pointee.c!
        evolve = allocated.pointee.e!
    }

    deinit {
        gsl_odeiv2_driver_free(driver)
        system.deallocate()
    }

    var accepted: Int { Int(evolve.pointee.count) }
    var rejected: Int { Int(evolve.pointee.failed_steps) }

    /// The state at the start of the last step attempted: GSL's evolve object
    /// copies it there before every step.
    var stepStartState: UnsafeMutablePointer<Double> { evolve.pointee.y0 }

    /// The component whose error estimate in the last step attempted was
    /// largest against its tolerance (`atol_i + rtol |y_i|`): the one that
    /// keeps the steps small. Nil before any step.
    func limitingComponent(_ y: UnsafePointer<Double>) -> Int? {
        guard let yerr = evolve.pointee.yerr, evolve.pointee.count + evolve.pointee.failed_steps > 0 else {
            return nil
        }
        var worst = -1.0
        var index: Int?
        for i in 0..<context.dimension {
            let scale = absoluteTolerances[i] + relativeTolerance * abs(y[i])
            let ratio = abs(yerr[i]) / max(scale, .leastNormalMagnitude)
            if ratio > worst { (worst, index) = (ratio, i) }
        }
        return index
    }

    /// msbdf's Nordsieck history after an accepted step ending in `y`, the
    /// step `length` long: `z[j * n + i]` is `h^j / j!` times the j-th
    /// derivative of component i at the step's end, for j up to `order`, so
    /// `sum_j z_j theta^j` is the method's own polynomial at `end + theta h`.
    /// Read from GSL's private stepper state (`msbdf_state_t` in
    /// ode-initval2/msbdf.c, laid out alike since GSL 1.15: `z` the first
    /// field, `hprev` the sixth, `ordprev` the eighth); nil unless it checks
    /// out: `z_0` equal to `y` bit for bit, the order between 1 and 5, and
    /// `h` the step's length.
    func nordsieck(_ y: UnsafePointer<Double>, length: Double) -> (z: UnsafePointer<Double>, order: Int, h: Double)? {
        guard stepper == .msbdf, let state = step.pointee.state else { return nil }
        let fields = state.assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
        guard let zRaw = fields[0], let hRaw = fields[5], let orderRaw = fields[7] else { return nil }
        let z = zRaw.assumingMemoryBound(to: Double.self)
        let h = hRaw.assumingMemoryBound(to: Double.self)[0]
        let order = orderRaw.assumingMemoryBound(to: Int.self)[0]
        guard (1...5).contains(order), h > 0, abs(length - h) <= 1e-9 * h else { return nil }
        for i in 0..<context.dimension where z[i].bitPattern != y[i].bitPattern { return nil }
        return (UnsafePointer(z), order, h)
    }

    /// Forgets the stepper's history (multistep methods restart at order 1).
    func reset() { gsl_odeiv2_driver_reset(driver) }

    /// One adaptive step toward `target`, landing on it exactly if reached.
    @inline(__always)
    func step(_ t: inout Double, to target: Double, h: inout Double, _ y: UnsafeMutablePointer<Double>) -> Int32 {
        gsl_odeiv2_evolve_apply(evolve, control, step, system, &t, target, &h, y)
    }

    /// One step of exactly `h`, without error control.
    @inline(__always)
    func fixedStep(_ t: inout Double, h: Double, _ y: UnsafeMutablePointer<Double>) -> Int32 {
        gsl_odeiv2_evolve_apply_fixed_step(evolve, nil, step, system, &t, h, y)
    }
}

/// GSL's text for a status code.
func gslMessage(_ status: Int32) -> String {
    String(cString: gsl_strerror(status))
}
