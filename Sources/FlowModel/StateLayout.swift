/// Where each state variable sits in the state vector: the 18 stocks and
/// rates of MODEL.md section 3, then `ln p_j` for every risk class, then `qS_j`.
public struct StateLayout: Sendable, Equatable {
    /// The state variables that do not depend on the risk classes, in order.
    public static let fixedNames = [
        "B", "Bf", "Bs", "Bw", "Af", "Lo", "kb", "C", "kc", "PC", "K", "Z", "Ez", "Ms", "Mw", "Cb", "rb", "sc",
    ]
    static let B = 0, Bf = 1, Bs = 2, Bw = 3, Af = 4, Lo = 5, kb = 6, C = 7, kc = 8, PC = 9
    static let K = 10, Z = 11, Ez = 12, Ms = 13, Mw = 14, Cb = 15, rb = 16, sc = 17

    /// Where the risk classes' block starts: the number of fixed names.
    static let fixedCount = 18

    /// The risk classes' names, in order.
    public let classNames: [String]
    public var classCount: Int { classNames.count }
    /// The length of the state vector.
    public var dimension: Int { Self.fixedNames.count + 2 * classCount }

    /// The index of `ln p_j`.
    @inlinable public func lnp(_ j: Int) -> Int { 18 + j }
    /// The index of `qS_j`.
    @inlinable public func qS(_ j: Int) -> Int { 18 + classCount + j }

    /// The name of every component (`ln_p_crypto`, `qS_crypto`, ...).
    public var names: [String] {
        Self.fixedNames + classNames.map { "ln_p_\($0)" } + classNames.map { "qS_\($0)" }
    }

    /// The index of the component called `name`.
    public func index(of name: String) -> Int? { names.firstIndex(of: name) }
}
